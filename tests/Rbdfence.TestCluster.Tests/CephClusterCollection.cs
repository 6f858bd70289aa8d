using System;
using Rbdfence.TestCluster;
using Xunit;

namespace Rbdfence.TestCluster.Tests;

/// <summary>One cluster shared by every test class of this assembly that joins the collection.</summary>
[CollectionDefinition(CephClusterFixture.Collection)]
public sealed class CephClusterCollection : ICollectionFixture<CephClusterFixture>
{
}
