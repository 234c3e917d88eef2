import numpy as np
import pytest

from summitry.media.tones import dominant_frequency, level_at, sine


@pytest.mark.parametrize("freq", [440.0, 550.0, 660.0, 880.0, 1000.0])
def test_dominant_frequency_of_a_pure_tone(freq):
    assert dominant_frequency(sine(freq, 48000)) == pytest.approx(freq, abs=2)


def test_mixture_reports_the_stronger_tone():
    mix = sine(440, 48000, amplitude=0.5).astype(np.float64) + sine(880, 48000, amplitude=0.1)
    assert dominant_frequency(mix) == pytest.approx(440, abs=2)
    assert level_at(mix, 440) > 0.9
    assert 0.01 < level_at(mix, 880) < 0.1


def test_silence_has_no_frequency():
    assert dominant_frequency(np.zeros(48000)) == 0.0


def test_phase_continuity_across_frames():
    joined = np.concatenate([sine(440, 960, start=i * 960) for i in range(50)])
    assert np.array_equal(joined, sine(440, 48000))
