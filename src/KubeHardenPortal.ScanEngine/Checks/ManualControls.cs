using KubeHardenPortal.ScanEngine.Model;

namespace KubeHardenPortal.ScanEngine.Checks;

/// <summary>
/// The guide's recommendations that the Kubernetes API cannot prove (CATALOG.md §9), tracked as MANUAL controls with
/// an attestation. Related checks are supporting signals only; the attestation decides.
/// </summary>
public static class ManualControls
{
    public static IReadOnlyList<ManualControl> All { get; } =
    [
        new("KH-MAN-001",
            "Users authenticate strongly, including MFA, through an external identity provider.",
            "Kubernetes does not manage users or MFA.",
            "IdP policy export showing MFA on the Kubernetes application; API server OIDC flags (--oidc-issuer-url) or managed IAM settings.",
            "quarterly")
        { Title = "Strong user authentication (MFA via an IdP)", Section = GuideSections.Authentication, RelatedChecks = ["KH-AUTH-001"] },
        new("KH-MAN-002",
            "Firewalls restrict the control-plane ports (API, etcd 2379–2380, kubelet 10250, scheduler, controller-manager) and NodePort ranges; worker nodes are segmented from other networks.",
            "Network devices and cloud security groups live outside the cluster.",
            "Security-group or firewall rule export; a cloud API scan; the KH-NET-012 result.",
            "quarterly")
        { Title = "Firewalled control-plane ports and segmented nodes", Section = GuideSections.Network, RelatedChecks = ["KH-NET-012"] },
        new("KH-MAN-003",
            "etcd is reachable only from the API servers, ideally on separate nodes.",
            "Host placement and firewalling are not in the API.",
            "Architecture diagram, firewall rules, etcd member list.",
            "semi-annual")
        { Title = "etcd isolated from everything but the API servers", Section = GuideSections.Network, RelatedChecks = ["KH-NET-014"] },
        new("KH-MAN-004",
            "kubeconfig files, PKI material and static-pod manifests are protected on hosts and admin workstations (CIS 1.1.x, 4.1.x).",
            "File permissions are host state.",
            "Node-agent report or CIS host benchmark output; workstation policy.",
            "quarterly")
        { Title = "Host files (kubeconfig, PKI, manifests) protected", Section = GuideSections.Authentication },
        new("KH-MAN-005",
            "Physical and host OS security: patching, a hardened OS image, AppArmor/SELinux enabled on nodes.",
            "Host configuration is not exposed through the API.",
            "OS benchmark results; image build pipeline records.",
            "monthly patch report")
        { Title = "Host OS hardened and patched", Section = GuideSections.Upgrading, RelatedChecks = ["KH-UPG-002"] },
        new("KH-MAN-006",
            "Rootless or hypervisor-backed (sandboxed) container runtimes are used where appropriate.",
            "Runtime internals are not exposed (only RuntimeClass objects and containerRuntimeVersion).",
            "RuntimeClass inventory (e.g. gVisor/Kata handlers) and a node configuration record.",
            "semi-annual")
        { Title = "Rootless or sandboxed runtimes where appropriate", Section = GuideSections.PodSecurity },
        new("KH-MAN-007",
            "Images are built to run as non-root, from minimal trusted bases, and scanned in CI.",
            "The build process is outside the cluster (KH-IMG-003 sees only results).",
            "CI pipeline configuration, scanner policy, SBOM/provenance attestations.",
            "per release / quarterly")
        { Title = "Secure image build pipeline", Section = GuideSections.SupplyChain, RelatedChecks = ["KH-IMG-003", "KH-IMG-004", "KH-POD-005"] },
        new("KH-MAN-008",
            "Encryption keys are protected (KMS) and rotated; existing Secrets are re-encrypted after encryption is enabled.",
            "Encryption configuration content and key lifecycle are not in the API.",
            "KMS key policy and rotation record; output of the re-write job.",
            "annual rotation + on change")
        { Title = "Encryption keys protected, rotated, Secrets re-encrypted", Section = GuideSections.Network, RelatedChecks = ["KH-NET-016"] },
        new("KH-MAN-009",
            "The audit policy content, log retention in the SIEM, off-cluster append-only storage and TLS for log transport meet the guide.",
            "The policy file and SIEM settings are off-API (KH-LOG-003 is MANUAL by default).",
            "Policy file upload (evaluated automatically by KH-LOG-003); SIEM retention settings.",
            "quarterly")
        { Title = "Audit policy, SIEM retention and secure log transport", Section = GuideSections.Logging, RelatedChecks = ["KH-LOG-001", "KH-LOG-002", "KH-LOG-003", "KH-LOG-004"] },
        new("KH-MAN-010",
            "Alerts fire on the guide's indicators, and the incident-response process is tested.",
            "Detection rules and runbooks live in other tools.",
            "Alert rule list mapped to the indicators; report of the last exercise.",
            "semi-annual")
        { Title = "Alerting on indicators and a tested incident response", Section = GuideSections.Logging, RelatedChecks = ["KH-LOG-004"] },
        new("KH-MAN-011",
            "RBAC is reviewed periodically, admin roles are separated, and joiners, movers and leavers are handled.",
            "This is an organisational process.",
            "Signed review of the AUTH findings export; HR/IdP deprovisioning evidence.",
            "quarterly")
        { Title = "Periodic RBAC review and access lifecycle", Section = GuideSections.Authentication, RelatedChecks = ["KH-AUTH-006", "KH-AUTH-007", "KH-AUTH-008"] },
        new("KH-MAN-012",
            "Vulnerability scanning and penetration testing happen regularly, findings are remediated promptly, and unused components are removed.",
            "Process and third-party reports are outside the cluster.",
            "Penetration-test report, scan schedule, remediation SLA metrics.",
            "annual pen test")
        { Title = "Regular scanning, pen testing and prompt remediation", Section = GuideSections.Upgrading, RelatedChecks = ["KH-IMG-003", "KH-UPG-003"] },
        new("KH-MAN-013",
            "Service-mesh mTLS or other in-cluster traffic encryption is used where required.",
            "Mesh configuration varies (partial signal: mesh CRDs requiring strict mTLS).",
            "Mesh policy export; an automated CRD check as supporting signal.",
            "quarterly")
        { Title = "In-cluster traffic encrypted where required", Section = GuideSections.Network },
        new("KH-MAN-014",
            "Cloud IAM grants least privilege to node roles and workload identities, and the metadata service is hardened at the cloud layer.",
            "Cloud IAM is outside Kubernetes (partial signal via collector g).",
            "IAM policy export; IMDS settings; KH-NET-004 results.",
            "quarterly")
        { Title = "Cloud IAM least privilege and metadata-service hardening", Section = GuideSections.Authentication, RelatedChecks = ["KH-NET-004"] },
        new("KH-MAN-015",
            "Seccomp audit-mode profiling is used to derive tight custom profiles.",
            "Runtime syscall logs are host-level.",
            "Profile repository and an audit-log sample.",
            "per major app release")
        { Title = "Custom seccomp profiles from audit-mode profiling", Section = GuideSections.PodSecurity, RelatedChecks = ["KH-POD-011"] },
    ];

    public static ManualControl? Find(string id) =>
        All.FirstOrDefault(c => string.Equals(c.Id, id, StringComparison.OrdinalIgnoreCase));
}
