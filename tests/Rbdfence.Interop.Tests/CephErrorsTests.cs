using Xunit;

namespace Rbdfence.Interop.Tests;

public sealed class CephErrorsTests
{
    private const int EBUSY = 16;

    [Fact]
    public void Non_negative_results_pass_through()
    {
        Assert.Equal(0, CephErrors.Check(0, "rbd_open"));
        Assert.Equal(42, CephErrors.Check(42, "rbd_list"));
        Assert.Equal((nint)4096, CephErrors.Check((nint)4096, "rbd_read"));
    }

    [Fact]
    public void Negative_errno_becomes_CephException_keeping_the_errno()
    {
        var ex = Assert.Throws<CephException>(() => CephErrors.Check(-EBUSY, "rbd_lock_acquire"));
        Assert.Equal(EBUSY, ex.Errno);
        Assert.Equal("rbd_lock_acquire", ex.Operation);
        Assert.Contains("rbd_lock_acquire", ex.Message, System.StringComparison.Ordinal);
        Assert.True(CephErrors.Is(-EBUSY, EBUSY));
    }
}
