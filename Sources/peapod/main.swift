import PeapodCLI
PeapodCommand.main()
