namespace KubeHardenPortal.Web;

/// <summary>An expected failure: shown to the user (snackbar, field message) or mapped to a problem response.</summary>
public sealed record Error(string Code, string Message);

/// <summary>The outcome of a use case: a value, or an expected <see cref="Error"/>. Exceptions stay for bugs and outages.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, Error? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public Error? Error { get; }

    public bool Succeeded => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(Error error) => new(default, error);
}

public static class ResultExtensions
{
    /// <summary>Maps a result to 200 or a problem response whose status follows the error code.</summary>
    public static IResult ToHttpResult<T>(this Result<T> result) =>
        result.Succeeded
            ? TypedResults.Ok(result.Value)
            : TypedResults.Problem(result.Error!.Message, statusCode: result.Error.Code switch
            {
                "not_found" => StatusCodes.Status404NotFound,
                "forbidden" => StatusCodes.Status403Forbidden,
                "conflict" => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status400BadRequest,
            }, extensions: new Dictionary<string, object?> { ["code"] = result.Error.Code });
}

/// <summary>Common errors.</summary>
public static class Errors
{
    public static readonly Error Forbidden = new("forbidden", "Your role in this organization does not allow this.");
    public static readonly Error NoOrganization = new("forbidden", "Select an organization first.");
}
