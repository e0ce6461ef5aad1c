using System.Text.Json.Nodes;
using ShopOperator.Kube;
using ShopOperator.Model;

namespace ShopOperator;

/// <summary>The commands that need no cluster.</summary>
public static class Cli
{
    /// <summary>
    /// <c>render -f shop.yaml</c>: exactly the children the operator would create, as YAML, for review in a
    /// GitOps pull request. Generated Secrets are printed without data: their values only ever exist in the cluster.
    /// </summary>
    public static int Render(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length != 2 || args[0] is not ("-f" or "--file"))
        {
            stderr.WriteLine("usage: shop-operator render -f shop.yaml   (- reads standard input)");
            return 2;
        }

        string text;
        try
        {
            text = args[1] == "-" ? Console.In.ReadToEnd() : File.ReadAllText(args[1]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"render: cannot read {args[1]}: {e.Message}");
            return 2;
        }

        IReadOnlyList<JsonNode> documents;
        try
        {
            documents = JsonYaml.FromYaml(text);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            stderr.WriteLine($"render: {args[1]} is not valid YAML: {e.Message}");
            return 2;
        }

        var output = new List<JsonNode>();
        foreach (var doc in documents)
        {
            if (doc is not JsonObject shop || shop["kind"]?.GetValue<string>() != "ShopInstance" || shop["apiVersion"]?.GetValue<string>() != ResourceKind.ShopInstance.ApiVersion)
            {
                stderr.WriteLine($"render: expected kind ShopInstance, apiVersion {ResourceKind.ShopInstance.ApiVersion}");
                return 2;
            }

            shop["metadata"] ??= new JsonObject();
            if (shop["metadata"]?["name"] is null)
            {
                stderr.WriteLine("render: metadata.name: required");
                return 2;
            }

            shop["metadata"]!["namespace"] ??= "default";
            var errors = ShopInstanceValidator.Validate(shop);
            if (errors.Count > 0)
            {
                stderr.WriteLine($"render: {shop["metadata"]!["name"]} is invalid:");
                foreach (var error in errors)
                {
                    stderr.WriteLine("  " + error);
                }

                return 2;
            }

            // Outside a rollout both tiers run spec.image.
            var typed = ShopInstance.FromJson(shop);
            foreach (var child in DesiredState.Build(typed, typed.Spec.Image, typed.Spec.Image))
            {
                if (child["kind"]?.GetValue<string>() == "Secret")
                {
                    child.Remove("data");
                }

                output.Add(child);
            }
        }

        stdout.Write(JsonYaml.ToYaml(output));
        return 0;
    }

    public static int Crd(TextWriter stdout)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        stdout.Write(JsonYaml.ToYaml([CrdGenerator.Build()]));
        return 0;
    }
}
