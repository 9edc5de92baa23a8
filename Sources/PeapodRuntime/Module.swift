// PeapodRuntime
