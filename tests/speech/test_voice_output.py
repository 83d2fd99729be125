"""Speech output policy: privacy, repeat, interrupt, stepped volume/rate, captions."""

from kiosk.speech.voice_output import (
    CONNECT_HEADSET,
    HEADSET,
    KEYED_DIGIT,
    SPEAKER,
    RecordingSink,
    Utterance,
)


def test_private_text_never_goes_to_the_speaker() -> None:
    sink = RecordingSink()
    sink.say("Your balance is eighty-four dollars.", private=True)
    assert sink.spoken_on(SPEAKER) == [CONNECT_HEADSET]
    assert "eighty" not in " ".join(sink.spoken_on(SPEAKER))
    sink.headset_connected()
    sink.say("Your balance is eighty-four dollars.", private=True)
    assert sink.spoken_on(HEADSET) == ["Your balance is eighty-four dollars."]


def test_masked_digits_are_tones_on_the_speaker_and_words_in_the_headset() -> None:
    sink = RecordingSink()
    for digit in "2468":
        sink.echo_digit(digit)
    assert [u.text for u in sink.utterances] == ["<tone>"] * 4
    assert all(u.device == SPEAKER for u in sink.utterances)
    sink.headset_connected()
    captions: list[Utterance] = []
    sink.on_caption = captions.append
    for digit in "2468":
        assert sink.echo_digit(digit).device == HEADSET
    # Issue 14: each keyed PIN digit was said in the headset and printed as a caption.
    assert [u.text for u in captions] == [KEYED_DIGIT] * 4
    assert sink.echo_digit("5", private=False).text == "5"  # a non-secret number is read


def test_headset_mutes_the_speaker() -> None:
    sink = RecordingSink()
    sink.say("Welcome.")
    sink.headset_connected()
    sink.say("Say pay my bill.")
    assert sink.spoken_on(SPEAKER) == ["Welcome."]
    assert sink.spoken_on(HEADSET) == ["Say pay my bill."]


def test_repeat_interrupt_pause() -> None:
    sink = RecordingSink()
    sink.say("Enter your ZIP code.")
    sink.say("Enter your PIN.")  # new speech interrupts the old
    assert sink.stops == 1
    repeated = sink.repeat()
    assert repeated is not None and repeated.text == "Enter your PIN."
    sink.pause()
    assert sink.paused
    sink.resume()
    sink.stop()
    assert not sink.is_speaking


def test_steps_are_announced_and_reset_each_session() -> None:
    captions: list[Utterance] = []
    sink = RecordingSink(on_caption=captions.append)
    start_volume, start_rate = sink.volume, sink.rate_wpm
    assert sink.louder().text.startswith("Louder. Volume 8")
    assert sink.slower().text.startswith("Slower.")
    assert sink.volume > start_volume and sink.rate_wpm < start_rate
    for _ in range(10):
        sink.louder()
    assert "loudest" in sink.last.text
    sink.reset_session()
    assert (sink.volume, sink.rate_wpm) == (start_volume, start_rate)
    assert len(captions) == len(sink.utterances)


def test_brief_verbosity() -> None:
    sink = RecordingSink()
    sink.set_verbosity("brief")
    assert (
        sink.say("Please say or key your five digit ZIP code.", brief="ZIP code?").text
        == "ZIP code?"
    )
