"""What the Conditional Access optimization agent can suggest, computed and vetted by the engine."""
