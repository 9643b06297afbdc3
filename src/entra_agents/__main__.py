from entra_agents.cli.main import run

run()
