namespace KubeHardenPortal.Web.Features.Invitations;

internal static class InvitationsFeature
{
    public static IServiceCollection AddInvitations(this IServiceCollection services) => services
        .AddScoped<CreateInvitationHandler>()
        .AddScoped<ListInvitationsHandler>()
        .AddScoped<RevokeInvitationHandler>()
        .AddScoped<AcceptInvitationHandler>();
}
