using k8s;

namespace Operator.Tests;

/// <summary>What the operator tests need of the Kubernetes API emulator (implemented over its in-process API).</summary>
public interface IClusterHarness : IAsyncDisposable
{
    KubernetesClientConfiguration Config { get; }

    /// <summary>Requests the emulator answered that change state (POST, PUT, PATCH, DELETE), in total.</summary>
    long WriteRequests { get; }

    /// <summary>All requests the emulator answered (reads and writes, watches included).</summary>
    long AllRequests { get; }

    /// <summary>Requests answered with this verb on this resource (plural, or plural/subresource), any outcome.</summary>
    long Counts(string verb, string resource);

    /// <summary>Requests answered with this verb on this resource and this HTTP status.</summary>
    long Counts(string verb, string resource, int status);

    /// <summary>The next <paramref name="count"/> requests with this verb on this resource (plural) answer <paramref name="status"/>.</summary>
    void FailNext(string verb, string resource, int status, int count);

    /// <summary>Closes every open watch stream.</summary>
    void CloseWatches();

    /// <summary>Forgets the watch history, so a watch from any earlier resourceVersion gets 410 Gone.</summary>
    void CompactHistory();

    /// <summary>Images that never become available (rollouts of them fail).</summary>
    Task SetFailingImagesAsync(params string[] images);
}
