#!/bin/sh
# Playwright starts this instead of Chromium: the browser runs in the test's "clients" namespace.
exec ip netns exec "$SUMMITRY_TEST_CLIENT_NS" /usr/bin/chromium "$@"
