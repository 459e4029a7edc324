using KubeHardenPortal.Web.Security;

namespace KubeHardenPortal.Web.Features.Organizations;

internal static class OrganizationsFeature
{
    public static IServiceCollection AddOrganizations(this IServiceCollection services)
    {
        services.AddScoped<CreateOrganizationHandler>();
        services.AddScoped<SwitchOrganizationHandler>();
        services.AddScoped<UpdateOrganizationSettingsHandler>();
        services.AddScoped<ListMembersHandler>();
        return services;
    }

    /// <summary>/api/organizations: the caller's organizations, and the active one (403 when none: fail closed).</summary>
    public static RouteGroupBuilder MapOrganizationApi(this RouteGroupBuilder group)
    {
        group.RequireAuthorization().WithTags("Organizations");
        group.MapGet("/", (CurrentOrganization current) =>
            TypedResults.Ok(current.Memberships.Select(m => new OrganizationDto(m.Id, m.Name, m.Slug, m.Role.ToString(),
                m.Id == current.Organization?.Id))));
        group.MapGet("/current", (CurrentOrganization current) =>
                TypedResults.Ok(new OrganizationDto(current.Organization!.Id, current.Organization.Name, current.Organization.Slug,
                    current.Organization.Role.ToString(), true)))
            .AddEndpointFilter<RequireOrganizationFilter>();
        group.MapGet("/current/members", async (ListMembersHandler handler, CancellationToken cancellationToken) =>
                (await handler.HandleAsync(cancellationToken)).ToHttpResult())
            .AddEndpointFilter<RequireOrganizationFilter>();
        return group;
    }
}

public sealed record OrganizationDto(Guid Id, string Name, string Slug, string Role, bool Selected);
