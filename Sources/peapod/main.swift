import PeapodCLI

PeapodCommand.runMain()
