using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.Mapping.Tests;

[CollectionDefinition(CephClusterFixture.Collection)]
public sealed class CephClusterCollection : ICollectionFixture<CephClusterFixture>;
