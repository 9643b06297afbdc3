"""Graph access: tenant sources (demo, fixture, recorded, live), the simulator and the tenant snapshot."""
