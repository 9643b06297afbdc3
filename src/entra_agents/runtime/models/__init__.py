"""Model providers: offline (default), OpenAI, Azure OpenAI, OpenAI-compatible, scripted (tests)."""
