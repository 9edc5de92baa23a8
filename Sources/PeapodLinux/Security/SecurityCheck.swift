// What apply checks of a pod's security settings before anything is created, beyond the API
// server's validation: capability names this host's libcap knows, and Localhost seccomp profiles
// that exist and compile. A cluster would find these only when the container is created; here
// the manifest is refused at once, naming the field.

import PeapodRuntime
import PeapodSpec

public enum SecurityCheck {
    public static func problems(_ pod: Pod, seccompProfilesDirectory: String) -> [String] {
        var problems: [String] = []
        let filters = SeccompFilters(profilesDirectory: seccompProfilesDirectory)
        func checkProfile(_ profile: SeccompProfile?, _ path: String) {
            guard let profile, profile.type == "Localhost", let file = profile.localhostProfile else { return }
            do {
                _ = try filters.filter(for: .localhost(file), capabilities: LinuxCapabilities.defaultMask)
            } catch {
                problems.append("\(path).localhostProfile: \(error)")
            }
        }
        checkProfile(pod.spec.securityContext?.seccompProfile, "spec.securityContext.seccompProfile")
        let lists: [(String, [Container])] = [("spec.initContainers", pod.spec.initContainers), ("spec.containers", pod.spec.containers)]
        for (base, containers) in lists {
            for (i, container) in containers.enumerated() {
                let path = "\(base)[\(i)].securityContext"
                guard let context = container.securityContext else { continue }
                for (field, names) in [("add", context.capabilities?.add ?? []), ("drop", context.capabilities?.drop ?? [])] {
                    for (j, name) in names.enumerated() {
                        let normalized = ContainerSecurity.normalizedCapability(name)
                        if normalized != "ALL" && LinuxCapabilities.number(normalized) == nil {
                            problems.append("\(path).capabilities.\(field)[\(j)]: Unsupported value: \(GoQuote.quote(name)): not a capability of this host")
                        }
                    }
                }
                checkProfile(context.seccompProfile, path + ".seccompProfile")
            }
        }
        return problems
    }
}
