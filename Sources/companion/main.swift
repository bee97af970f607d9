// Placeholder until the runner lands; keeps the subcommand files compiling.
_ = (BenchCommand.self, FetchCommand.self)
print("companion: not yet")
