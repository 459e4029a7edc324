namespace KubeHardenPortal.Web.Features.Invitations;

internal static class InvitationsFeature
{
    public static IServiceCollection AddInvitations(this IServiceCollection services) => services
        .AddInvitationLinkOptions()
        .AddScoped<CreateInvitationHandler>()
        .AddScoped<ListInvitationsHandler>()
        .AddScoped<RevokeInvitationHandler>()
        .AddScoped<AcceptInvitationHandler>();

    private static IServiceCollection AddInvitationLinkOptions(this IServiceCollection services)
    {
        services.AddOptions<PortalLinkOptions>().BindConfiguration(PortalLinkOptions.Section)
            .Validate(o => o.PublicBaseUrl is null || (o.PublicBaseUrl.IsAbsoluteUri && o.PublicBaseUrl.Scheme is "https" or "http"),
                "Hosting:PublicBaseUrl must be an absolute http(s) URL")
            .ValidateOnStart();
        return services;
    }
}
