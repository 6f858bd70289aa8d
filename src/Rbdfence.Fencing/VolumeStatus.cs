using System.Collections.Generic;
using Rbdfence.Volumes;

namespace Rbdfence.Fencing;

/// <summary>What <c>rbdfence status</c> reports: <c>rbd lock ls</c> plus host, since-when, liveness and watchers.</summary>
public sealed record VolumeStatus(VolumeSpec Spec, LockMode Mode, string HeaderObject, IReadOnlyList<Holder> Holders, IReadOnlyList<string> Watchers);
