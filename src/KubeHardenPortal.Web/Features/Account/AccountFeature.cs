namespace KubeHardenPortal.Web.Features.Account;

internal static class AccountFeature
{
    public static IServiceCollection AddAccount(this IServiceCollection services) => services.AddScoped<IdentityRedirectManager>();
}
