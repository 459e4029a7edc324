using System.ComponentModel.DataAnnotations;

namespace KubeHardenPortal.Worker.Features.Email;

/// <summary>Section "Email". Without SMTP the worker logs instead of sending (links only in Development).</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Email";

    public EmailMode Mode { get; set; } = EmailMode.Log;

    [Required, EmailAddress]
    public string From { get; set; } = "kubeharden@localhost";

    public string FromName { get; set; } = "KubeHardenPortal";

    /// <summary>Product name used in subjects and bodies.</summary>
    public string ProductName { get; set; } = "KubeHardenPortal";

    public SmtpOptions Smtp { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Mode == EmailMode.Smtp && string.IsNullOrWhiteSpace(Smtp.Host))
        {
            yield return new ValidationResult("Email:Smtp:Host is required when Email:Mode is Smtp", [nameof(Smtp)]);
        }

        if (Smtp.Port is < 1 or > 65535)
        {
            yield return new ValidationResult("Email:Smtp:Port must be 1-65535", [nameof(Smtp)]);
        }
    }
}

public enum EmailMode
{
    /// <summary>Write a log line instead of sending (the link itself only in Development).</summary>
    Log,
    Smtp,
}

public sealed class SmtpOptions
{
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    public string? Username { get; set; }

    /// <summary>From a secret store or environment variable (Email__Smtp__Password); never logged.</summary>
    public string? Password { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

public enum SmtpSecurity
{
    /// <summary>Upgrade with STARTTLS and refuse a server that does not offer it.</summary>
    StartTls,

    /// <summary>Implicit TLS (usually port 465).</summary>
    SslOnConnect,

    /// <summary>Plain text: only for a local relay or a test server.</summary>
    None,
}
