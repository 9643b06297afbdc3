"""The `entra-agents` command line. Heavy imports (Semantic Kernel, msgraph) happen inside handlers only."""
