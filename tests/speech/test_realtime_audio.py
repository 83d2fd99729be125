"""Real-time audio through PulseAudio null sinks: routing, privacy, interrupt, microphone.

sounddevice runs in a child process whose environment points at the private daemon
(PortAudio reads the sound server when sounddevice is imported).
"""

import subprocess
import sys
import textwrap
import time

import numpy as np

from kiosk.speech.corpus import pad, speak
from kiosk.speech.tts import write_wav


def _run(server, script: str, timeout: float = 60) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=server.env,
        capture_output=True,
        timeout=timeout,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio**2))) if audio.size else 0.0


OUTPUTS = """
from kiosk.speech.audio import OutputDevice, Speaker
from kiosk.speech.tts import Pyttsx3Synthesizer
from kiosk.speech.voice_output import VoiceOutput
speaker = Speaker(OutputDevice("speaker", "pulse", "kiosk_sink"))
headset = Speaker(OutputDevice("headset", "pulse", "headset"))
voice = VoiceOutput(Pyttsx3Synthesizer(), speaker, headset)
"""


def test_private_speech_reaches_only_the_headset(pulse_server, tmp_path) -> None:
    on_speaker = pulse_server.record("kiosk_sink.monitor", tmp_path / "speaker.raw")
    on_headset = pulse_server.record("headset.monitor", tmp_path / "headset.raw")
    time.sleep(1.0)  # both recorders connected before anything plays (slow under load)
    _run(
        pulse_server,
        OUTPUTS
        + """
voice.headset_connected()
voice.say("Your balance is eighty four dollars and ninety nine cents.", private=True)
assert voice.wait(10)
""",
    )
    time.sleep(1.0)
    speaker_audio, headset_audio = on_speaker.stop(), on_headset.stop()
    assert _rms(headset_audio) > 0.01
    assert _rms(speaker_audio) < 1e-4


def test_without_headset_private_digits_are_tones_on_the_speaker(pulse_server, tmp_path) -> None:
    on_speaker = pulse_server.record("kiosk_sink.monitor", tmp_path / "speaker.raw")
    time.sleep(1.0)  # the recorder connected before the tone plays (slow under load)
    # The child stays alive a moment after playback: audio still buffered in the sound
    # server's client is lost if the process exits at once (a kiosk process does not).
    script = "voice.echo_digit('7')\nassert voice.wait(5)\nimport time\ntime.sleep(1.0)\n"
    _run(pulse_server, OUTPUTS + script)
    time.sleep(0.5)
    audio = on_speaker.stop()
    spectrum = np.abs(np.fft.rfft(audio))
    peak_hz = np.argmax(spectrum) * 16_000 / len(audio)
    assert _rms(audio) > 0.001 and abs(peak_hz - 1000) < 30  # the 1 kHz tone, no speech


def test_stop_interrupts_at_once(pulse_server) -> None:
    out = _run(
        pulse_server,
        OUTPUTS
        + """
import time
voice.say("This is a long announcement that nobody wants to hear to its very end. " * 3)
time.sleep(0.5)
started = time.perf_counter()
voice.stop()
print(time.perf_counter() - started, voice.is_speaking)
""",
    )
    seconds, speaking = out.split()[-2:]
    assert float(seconds) < 0.1 and speaking == "False"


def test_microphone_hears_what_is_played_into_mic_feed(pulse_server, tmp_path) -> None:
    wav = tmp_path / "answer.wav"
    write_wav(wav, pad(speak("hear my balance", "en-us", 150), 16_000, 0.2, 0.2), 16_000)
    script = f"""
    import subprocess, time
    from kiosk.speech.asr import PocketsphinxRecognizer
    from kiosk.speech.audio import Microphone
    from kiosk.speech.grammar import build_grammar
    from kiosk.speech.vad import EndPointer
    grammar = build_grammar("choice", {{"pay": ["pay my bill"], "balance": ["hear my balance"]}})
    players = []

    def play_once_listening(blocks):
        # The answer is played into the microphone once it delivers audio: a capture
        # stream that had to be opened again would have missed the start of it.
        for block in blocks:
            if not players:
                players.append(subprocess.Popen(["paplay", "--device=mic_feed", {str(wav)!r}]))
            yield block

    with Microphone("pulse", pulse_source="mic_feed.monitor") as mic:
        result = PocketsphinxRecognizer().listen(
            play_once_listening(mic.blocks()),
            16000,
            grammar,
            EndPointer(trailing_silence=0.5, no_speech_timeout=8),
        )
        for player in players:
            player.wait(10)
    print(result.answer.value if result.answer else "none: " + repr(result.text))
    """
    assert _run(pulse_server, script).strip() == "balance"
