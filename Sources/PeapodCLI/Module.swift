import ArgumentParser
public struct PeapodCommand: ParsableCommand {
    public init() {}
    public func run() throws {}
}
