"""Analysis of simulation results: spike statistics, firing patterns, population
rhythms, f-I curves and phase planes. Each submodule has one job; its public
names are re-exported here (one import line per submodule)."""
