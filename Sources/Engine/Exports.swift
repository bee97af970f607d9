// The seeded generator is part of the engine's vocabulary (initialisers take one), so
// `import Engine` brings it along.
@_exported import Randomness
