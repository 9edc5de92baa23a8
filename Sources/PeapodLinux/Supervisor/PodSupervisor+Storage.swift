// The supervisor's side of local ephemeral storage (PeapodRuntime/LocalStorage.swift): it
// measures what the planner asks for and records an eviction the planner decides; and the side
// of container logs that keeps them bounded (rotation, the old instances' logs).

import Glibc
import PeapodRuntime
import PeapodSpec

/// A measurement under way: what each measured path counts towards.
struct PendingStorageMeasurement {
    enum Owner {
        case container(String)
        case emptyDir(String)
    }

    var startedAt: Timestamp
    var owners: [Owner]
    var measurement: DiskUsageMeasurement
}

extension PodSupervisor {
    /// What a measurement covers, as the kubelet's stats do: per container its writable layer
    /// (the overlay upper directory of each instance directory still on disk: the current one,
    /// and a finished one until the idle housekeeping removes it) and its log directory (every
    /// instance kept, rotated files included); per disk-backed emptyDir its directory. emptyDirs
    /// with `medium: Memory` are tmpfs mounts of their sizeLimit and use no disk.
    func storageTargets() -> (paths: [String], owners: [PendingStorageMeasurement.Owner]) {
        var paths: [String] = []
        var owners: [PendingStorageMeasurement.Owner] = []
        let instances = FileSystem.listDirectory(location.podDir + "/containers")
        for role in shape.all {
            for dir in instances where dir.hasPrefix(role.name + "_") {
                paths.append(location.podDir + "/containers/" + dir + "/upper")
                owners.append(.container(role.name))
            }
            paths.append(location.logDir + "/" + role.name)
            owners.append(.container(role.name))
        }
        let planner = VolumePlanner(pod: pod, podDirectory: location.podDir)
        for volume in pod.spec.volumes {
            guard let emptyDir = volume.emptyDir, emptyDir.medium.isEmpty else { continue }
            paths.append(planner.hostPath(of: volume))
            owners.append(.emptyDir(volume.name))
        }
        return (paths, owners)
    }

    /// The `measureStorage` action: a thread walks the trees while the supervisor goes on.
    func startStorageMeasurement(now: Timestamp) {
        guard storageMeasurement == nil else { return }
        let targets = storageTargets()
        observed.storageMeasurementStartedAt = now
        storageMeasurement = PendingStorageMeasurement(
            startedAt: now, owners: targets.owners, measurement: DiskUsageMeasurement(paths: targets.paths))
        // No thread could be started: measured here and now.
        if storageMeasurement?.measurement.fd ?? -1 < 0 { finishStorageMeasurement() }
    }

    /// Readable when the measurement under way is done; -1 when none is.
    var storageMeasurementFD: Int32 { storageMeasurement?.measurement.fd ?? -1 }

    /// The thread is done: its usage becomes what the planner sees.
    func finishStorageMeasurement() {
        guard let pending = storageMeasurement else { return }
        storageMeasurement = nil
        var usage = StorageUsage(measuredAt: pending.startedAt)
        for (owner, bytes) in zip(pending.owners, pending.measurement.finish()) where bytes > 0 {
            switch owner {
            case let .container(name): usage.containers[name, default: 0] += bytes
            case let .emptyDir(name): usage.emptyDirs[name, default: 0] += bytes
            }
        }
        observed.storage = usage
        observed.storageMeasurementStartedAt = nil
    }

    /// At teardown: the walk stops and its thread is joined before the trees go.
    func cancelStorageMeasurement() {
        storageMeasurement?.measurement.cancel()
        storageMeasurement = nil
        observed.storageMeasurementStartedAt = nil
    }

    /// The `evict` action: the decision is recorded with the kubelet's event; the planner then
    /// stops the pod with the eviction's grace period and reports it Failed / Evicted.
    func evict(message: String, now: Timestamp) {
        guard observed.eviction == nil else { return }
        observed.eviction = PodEviction(at: now, message: message)
        record(EventWording.evicted(message), at: now)
    }

    /// A new instance's log: rotated by the supervisor's policy; the logs of the instances
    /// before the previous one go (LogLayout.removeInstances).
    func configureLog(_ log: CRILogWriter, container: String, restartCount: Int) {
        log.rotation = logRotation
        LogLayout.removeInstances(directory: location.logDir + "/" + container, before: restartCount - 1)
    }
}
