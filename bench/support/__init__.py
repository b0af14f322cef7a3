"""What the benchmarks and the tests both drive: a loopback server, anvil with the fixture
contracts, a stand-in OpenAI-compatible model and the leak suite."""
