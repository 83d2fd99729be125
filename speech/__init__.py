"""Speech: recognizers, grammars, synthesis, audio devices and spoken numbers."""
