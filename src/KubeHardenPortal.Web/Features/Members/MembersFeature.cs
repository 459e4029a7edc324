namespace KubeHardenPortal.Web.Features.Members;

internal static class MembersFeature
{
    public static IServiceCollection AddMembers(this IServiceCollection services) => services
        .AddScoped<ChangeMemberRoleHandler>()
        .AddScoped<RemoveMemberHandler>()
        .AddScoped<TransferOwnershipHandler>();
}
