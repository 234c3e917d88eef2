"""Pure rules of Summitry: no Django, no I/O, no asyncio."""
