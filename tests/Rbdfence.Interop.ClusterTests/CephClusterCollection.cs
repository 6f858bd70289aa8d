using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Interop.ClusterTests;

[CollectionDefinition(CephClusterFixture.Collection)]
public sealed class CephClusterCollection : ICollectionFixture<CephClusterFixture>;
