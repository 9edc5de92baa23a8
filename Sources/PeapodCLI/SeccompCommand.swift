import PeapodLinux

/// `peapod seccomp default`: the RuntimeDefault profile every container gets unless it asks for
/// another, in the Docker/OCI JSON form that Localhost profiles take (docs/seccomp.md).
enum SeccompCommand {
    static let spec = CommandSpec(
        name: "seccomp", abstract: "Show the seccomp profiles Peapod applies.",
        subcommands: [Default.spec])

    struct Default {
        static let spec = CommandSpec(
            name: "default",
            abstract: "Print the RuntimeDefault profile as Docker/OCI JSON (a start for a Localhost profile).",
            parameters: [],
            run: { _ in Output.out(SeccompPolicy.runtimeDefault.dockerJSON() + "\n") })
    }
}
