namespace ShopOperator;

/// <summary>The commands that need no cluster.</summary>
public static class Cli
{
    public static int Render(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        stdout.Flush();
        stderr.WriteLine("render: not wired yet");
        return 2;
    }

    public static int Crd(TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        return 2;
    }
}
