namespace KubeHardenPortal.ScanEngine.Benchmarks.Generator;

/// <summary>
/// Builds the in-memory model of a realistic cluster with (exactly, when the target is above the fixed
/// infrastructure) the requested number of objects.
/// </summary>
internal sealed class ClusterBuilder
{
    public const string KubeVersion = "v1.31.4";

    private static readonly string[] Teams =
        ["payments", "checkout", "search", "identity", "catalog", "growth", "platform", "data", "mobile", "risk", "logistics", "support"];

    private static readonly string[] Envs = ["prod", "prod", "staging", "dev", "qa"];

    private static readonly string[] AppNames =
    [
        "api", "web", "worker", "gateway", "frontend", "orders", "payments-api", "ledger", "notifications", "inventory",
        "recommendations", "billing-worker", "cart", "shipping", "user-profile", "auth", "session-store", "pricing",
        "reporting", "exporter", "scheduler", "webhook-receiver", "graphql", "image-resizer", "email-sender", "audit-log",
    ];

    private static readonly string[] StatefulApps = ["postgres", "redis", "kafka", "rabbitmq", "elasticsearch", "zookeeper", "mongodb"];

    private static readonly string[] CronApps =
        ["nightly-report", "db-backup", "cleanup-sessions", "sync-catalog", "rotate-keys", "invoice-run", "cache-warmer"];

    private static readonly string[] Schedules = ["*/15 * * * *", "0 * * * *", "0 2 * * *", "30 3 * * 0", "*/5 * * * *", "0 6 * * 1-5"];

    private static readonly (string Name, string Image, int Port)[] Sidecars =
    [
        ("envoy", "docker.io/envoyproxy/envoy:v1.32.1", 15090),
        ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", 4180),
        ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1", 9801),
        ("vault-agent", "docker.io/hashicorp/vault:1.18.2", 8200),
        ("log-forwarder", "cr.fluentbit.io/fluent/fluent-bit:3.2.2", 2020),
    ];

    private readonly Rng _r;
    private readonly int _target;
    private int _nodeCursor;

    public ClusterBuilder(int targetObjects, int seed)
    {
        _r = new Rng(seed);
        _target = targetObjects;
    }

    public List<NamespaceModel> Namespaces { get; } = [];
    public List<NodeModel> Nodes { get; } = [];
    public List<ControllerModel> Controllers { get; } = [];
    public List<PodModel> Pods { get; } = [];
    public List<RoleModel> ClusterRoles { get; } = [];
    public List<BindingModel> ClusterRoleBindings { get; } = [];

    public int ObjectCount =>
        Nodes.Count + Controllers.Count + Pods.Count + ClusterRoles.Count + ClusterRoleBindings.Count +
        Namespaces.Sum(n => n.ObjectCountExcludingWorkloads);

    /// <summary>Object counts by kind, as the emitter must produce them.</summary>
    public Dictionary<string, int> CountsByKind()
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["Namespace"] = Namespaces.Count,
            ["Node"] = Nodes.Count,
            ["Pod"] = Pods.Count,
            ["Service"] = Namespaces.Sum(n => n.Services.Count),
            ["ConfigMap"] = Namespaces.Sum(n => n.ConfigMaps.Count),
            ["ServiceAccount"] = Namespaces.Sum(n => n.ServiceAccounts.Count),
            ["Role"] = Namespaces.Sum(n => n.Roles.Count),
            ["RoleBinding"] = Namespaces.Sum(n => n.RoleBindings.Count),
            ["ClusterRole"] = ClusterRoles.Count,
            ["ClusterRoleBinding"] = ClusterRoleBindings.Count,
            ["NetworkPolicy"] = Namespaces.Sum(n => n.NetworkPolicies.Count),
            ["LimitRange"] = Namespaces.Count(n => n.LimitRange),
            ["ResourceQuota"] = Namespaces.Count(n => n.Quota),
            ["Ingress"] = Namespaces.Sum(n => n.Ingresses.Count),
        };
        foreach (var kind in new[] { "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob" })
        {
            d[kind] = Controllers.Count(c => c.Kind == kind);
        }

        return d;
    }

    public void Build()
    {
        BuildNodes();
        BuildInfrastructure();
        BuildClusterRbac();

        var index = 0;
        while (true)
        {
            var (controllers, pods) = (Controllers.Count, Pods.Count);
            var ns = BuildAppNamespace(index++);
            if (ObjectCount + ns.ObjectCountExcludingWorkloads > _target)
            {
                // The namespace overshoots: drop it (its workloads were appended last) and pad instead.
                foreach (var p in Pods.Skip(pods))
                {
                    p.Node.PodsOnNode--;
                }

                Controllers.RemoveRange(controllers, Controllers.Count - controllers);
                Pods.RemoveRange(pods, Pods.Count - pods);
                break;
            }

            Namespaces.Add(ns);
        }

        // Below the target by less than one namespace: top up with small ConfigMaps. (A target smaller than the
        // fixed infrastructure gives a snapshot with the infrastructure only.)
        Pad();
    }

    private void Pad()
    {
        var apps = Namespaces.Where(n => n.Team is not null).ToList();
        var i = 0;
        while (ObjectCount < _target)
        {
            var ns = apps.Count > 0 ? apps[i % apps.Count] : Namespaces[0];
            ns.ConfigMaps.Add(new ConfigMapModel($"settings-extra-{i}", "env"));
            i++;
        }
    }

    // ---------------------------------------------------------------- nodes

    private void BuildNodes()
    {
        var count = Math.Max(4, _target / 400);
        string[] zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];
        for (var i = 0; i < count; i++)
        {
            var cp = i < 3;
            var pool = cp ? "control-plane" : _r.Weighted(70, 20, 10) switch { 0 => "general", 1 => "highmem", _ => "batch" };
            var ip = $"10.0.{1 + (i / 200)}.{10 + (i % 200)}";
            Nodes.Add(new NodeModel
            {
                Name = cp ? $"cp-{i + 1}" : $"{pool}-{zones[i % 3][^1]}-{i:000}",
                Uid = _r.Uid(),
                Ip = ip,
                Index = i,
                Pool = pool,
                Zone = zones[i % 3],
                ControlPlane = cp,
                KubeletFlavor = cp ? 0 : _r.Weighted(69, 25, 6),
            });
        }
    }

    private NodeModel NextWorker()
    {
        var workers = Nodes.Count - 3;
        var node = Nodes[3 + (_nodeCursor % workers)];
        _nodeCursor += 1 + _r.Int(0, 2);
        return node;
    }

    // ---------------------------------------------------------------- infrastructure

    private NamespaceModel SystemNamespace(string name, double age, params KeyValuePair<string, string>[] psa)
    {
        var ns = new NamespaceModel { Name = name, Uid = _r.Uid(), AgeDays = age, PsaLabels = [.. psa] };
        Namespaces.Add(ns);
        return ns;
    }

    private static KeyValuePair<string, string> L(string k, string v) => new(k, v);

    private void BuildInfrastructure()
    {
        const double clusterAge = 412;
        var def = SystemNamespace("default", clusterAge);
        def.Services.Add(new ServiceModel("kubernetes", "", 443, 6443));
        SystemNamespace("kube-node-lease", clusterAge);
        var pub = SystemNamespace("kube-public", clusterAge);
        pub.ConfigMaps.Add(new ConfigMapModel("cluster-info", "cluster-info"));
        pub.Roles.Add(new RoleModel("kubeadm:bootstrap-signer-clusterinfo",
            [new RuleModel([""], ["configmaps"], ["get"], ["cluster-info"])]));
        pub.RoleBindings.Add(new BindingModel("kubeadm:bootstrap-signer-clusterinfo", "Role", "kubeadm:bootstrap-signer-clusterinfo",
            [new SubjectModel("User", "system:anonymous")]));

        var ks = SystemNamespace("kube-system", clusterAge);
        BuildKubeSystem(ks);

        var ingress = SystemNamespace("ingress-nginx", 380, L("pod-security.kubernetes.io/enforce", "baseline"),
            L("pod-security.kubernetes.io/enforce-version", "latest"));
        var ctrl = InfraTemplate(ingress, "ingress-nginx-controller", "registry.k8s.io/ingress-nginx/controller:v1.12.0",
            SecurityProfile.Partial, ports: [("http", 80), ("https", 443), ("metrics", 10254)],
            caps: ["NET_BIND_SERVICE"], user: 101);
        AddDeployment(ingress, ctrl, 2, 3, 380, helm: "ingress-nginx");
        ingress.Services.Add(new ServiceModel("ingress-nginx-controller", "ingress-nginx-controller", 443, 443, "LoadBalancer"));
        ingress.Services.Add(new ServiceModel("ingress-nginx-controller-admission", "ingress-nginx-controller", 443, 8443));
        ingress.ConfigMaps.Add(new ConfigMapModel("ingress-nginx-controller", "nginx"));
        ingress.NetworkPolicies.Add(new NetworkPolicyModel("ingress-nginx-admission", "allow-app", "ingress-nginx-controller", 8443));

        var mon = SystemNamespace("monitoring", 370);
        AddStatefulSet(mon, InfraTemplate(mon, "prometheus", "quay.io/prometheus/prometheus:v3.1.0", SecurityProfile.Hardened,
            ports: [("web", 9090)], user: 65534), 2, 370);
        AddStatefulSet(mon, InfraTemplate(mon, "alertmanager", "quay.io/prometheus/alertmanager:v0.28.0", SecurityProfile.Hardened,
            ports: [("web", 9093)], user: 65534), 1, 370);
        AddDeployment(mon, InfraTemplate(mon, "grafana", "docker.io/grafana/grafana:11.4.0", SecurityProfile.Partial,
            ports: [("http", 3000)], user: 472), 1, 2, 360, helm: "grafana");
        AddDeployment(mon, InfraTemplate(mon, "kube-state-metrics", "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0",
            SecurityProfile.Hardened, ports: [("http", 8080)], user: 65534), 1, 2, 370, helm: "kube-prometheus-stack");
        AddDaemonSet(mon, InfraTemplate(mon, "node-exporter", "quay.io/prometheus/node-exporter:v1.8.2", SecurityProfile.NodeAgent,
            ports: [("metrics", 9100)], hostNetwork: true, hostPid: true,
            hostPaths: [("proc", "/proc", "/host/proc"), ("sys", "/sys", "/host/sys"), ("root", "/", "/host/root")], user: 65534), 370);
        foreach (var s in new[] { ("prometheus", 9090), ("alertmanager", 9093), ("grafana", 3000), ("kube-state-metrics", 8080), ("node-exporter", 9100) })
        {
            mon.Services.Add(new ServiceModel(s.Item1, s.Item1, s.Item2, s.Item2));
        }

        mon.ConfigMaps.Add(new ConfigMapModel("prometheus-config", "prometheus"));
        mon.ConfigMaps.Add(new ConfigMapModel("grafana-dashboards", "dashboards"));

        var log = SystemNamespace("logging", 365, L("pod-security.kubernetes.io/enforce", "privileged"));
        AddDaemonSet(log, InfraTemplate(log, "fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.2.2", SecurityProfile.NodeAgent,
            ports: [("http", 2020)],
            hostPaths: [("varlog", "/var/log", "/var/log"), ("containers", "/var/lib/containerd/io.containerd.grpc.v1.cri", "/var/lib/containerd")]), 365);
        log.ConfigMaps.Add(new ConfigMapModel("fluent-bit", "fluent-bit"));

        var cm = SystemNamespace("cert-manager", 300, L("pod-security.kubernetes.io/enforce", "restricted"));
        foreach (var (n, img) in new[] { ("cert-manager", "controller"), ("cert-manager-cainjector", "cainjector"), ("cert-manager-webhook", "webhook") })
        {
            AddDeployment(cm, InfraTemplate(cm, n, $"quay.io/jetstack/cert-manager-{img}:v1.16.2", SecurityProfile.Hardened,
                ports: [("http-metrics", 9402)], user: 1000), 1, 3, 300, helm: "cert-manager");
            cm.Services.Add(new ServiceModel(n, n, 9402, 9402));
        }

        var falco = SystemNamespace("falco", 200, L("pod-security.kubernetes.io/enforce", "privileged"));
        AddDaemonSet(falco, InfraTemplate(falco, "falco", "docker.io/falcosecurity/falco:0.39.2", SecurityProfile.NodeAgent,
            privileged: true,
            hostPaths: [("dev", "/dev", "/host/dev"), ("proc", "/proc", "/host/proc"), ("boot", "/boot", "/host/boot"),
                ("containerd", "/run/containerd/containerd.sock", "/host/run/containerd/containerd.sock")]), 200);
        falco.ConfigMaps.Add(new ConfigMapModel("falco-rules", "rules"));
    }

    private void BuildKubeSystem(NamespaceModel ks)
    {
        // Static (mirror) pods of the kubeadm control plane, one set per control-plane node.
        foreach (var node in Nodes.Where(n => n.ControlPlane))
        {
            foreach (var component in new[] { "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler" })
            {
                Pods.Add(new PodModel
                {
                    Name = $"{component}-{node.Name}",
                    Namespace = "kube-system",
                    Uid = _r.Uid(),
                    Template = StaticPodTemplate(component, node),
                    Node = node,
                    StaticComponent = component,
                    AgeDays = 95 + _r.Int(0, 3),
                });
                node.PodsOnNode++;
            }
        }

        var coredns = InfraTemplate(ks, "coredns", "registry.k8s.io/coredns/coredns:v1.11.3", SecurityProfile.Partial,
            ports: [("dns", 53), ("dns-tcp", 53), ("metrics", 9153)], caps: ["NET_BIND_SERVICE"], priorityClass: "system-cluster-critical");
        AddDeployment(ks, coredns, 2, 2, 412);
        ks.Services.Add(new ServiceModel("kube-dns", "coredns", 53, 53));
        ks.ConfigMaps.Add(new ConfigMapModel("coredns", "coredns"));

        AddDaemonSet(ks, InfraTemplate(ks, "kube-proxy", $"registry.k8s.io/kube-proxy:{KubeVersion}", SecurityProfile.NodeAgent,
            privileged: true, hostNetwork: true, priorityClass: "system-node-critical",
            hostPaths: [("xtables-lock", "/run/xtables.lock", "/run/xtables.lock"), ("lib-modules", "/lib/modules", "/lib/modules")]), 412);
        ks.ConfigMaps.Add(new ConfigMapModel("kube-proxy", "kube-proxy"));

        AddDaemonSet(ks, InfraTemplate(ks, "cilium", "quay.io/cilium/cilium:v1.16.5", SecurityProfile.NodeAgent,
            hostNetwork: true, priorityClass: "system-node-critical",
            caps: ["CHOWN", "KILL", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "SYS_MODULE", "SYS_ADMIN", "SYS_RESOURCE", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
            hostPaths: [("cilium-run", "/var/run/cilium", "/var/run/cilium"), ("cni-path", "/opt/cni/bin", "/host/opt/cni/bin"),
                ("etc-cni-netd", "/etc/cni/net.d", "/host/etc/cni/net.d"), ("bpf-maps", "/sys/fs/bpf", "/sys/fs/bpf")]), 412);
        AddDeployment(ks, InfraTemplate(ks, "cilium-operator", "quay.io/cilium/operator-generic:v1.16.5", SecurityProfile.Partial,
            hostNetwork: true, priorityClass: "system-cluster-critical"), 2, 3, 412);
        ks.ConfigMaps.Add(new ConfigMapModel("cilium-config", "cilium"));

        AddDaemonSet(ks, InfraTemplate(ks, "csi-node-driver", "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.12.0",
            SecurityProfile.NodeAgent, privileged: true, priorityClass: "system-node-critical",
            hostPaths: [("kubelet-dir", "/var/lib/kubelet", "/var/lib/kubelet"), ("plugin-dir", "/var/lib/kubelet/plugins/csi.example.com", "/csi"),
                ("device-dir", "/dev", "/dev")]), 380);
        AddDeployment(ks, InfraTemplate(ks, "metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.7.2",
            SecurityProfile.Hardened, ports: [("https", 10250)], user: 1000, priorityClass: "system-cluster-critical"), 1, 2, 400);
        ks.Services.Add(new ServiceModel("metrics-server", "metrics-server", 443, 10250));

        foreach (var name in new[] { "kubeadm-config", "kubelet-config", "extension-apiserver-authentication" })
        {
            ks.ConfigMaps.Add(new ConfigMapModel(name, name));
        }

        foreach (var sa in new[]
                 {
                     "attachdetach-controller", "bootstrap-signer", "certificate-controller", "clusterrole-aggregation-controller",
                     "cronjob-controller", "daemon-set-controller", "deployment-controller", "disruption-controller",
                     "endpoint-controller", "endpointslice-controller", "generic-garbage-collector", "horizontal-pod-autoscaler",
                     "job-controller", "namespace-controller", "node-controller", "persistent-volume-binder", "pod-garbage-collector",
                     "pv-protection-controller", "pvc-protection-controller", "replicaset-controller", "replication-controller",
                     "resourcequota-controller", "root-ca-cert-publisher", "service-account-controller", "statefulset-controller",
                     "token-cleaner", "ttl-after-finished-controller", "ttl-controller",
                 })
        {
            ks.ServiceAccounts.Add(sa);
        }

        ks.Roles.Add(new RoleModel("extension-apiserver-authentication-reader",
            [new RuleModel([""], ["configmaps"], ["get", "list", "watch"], ["extension-apiserver-authentication"])]));
        ks.Roles.Add(new RoleModel("kubeadm:kubelet-config", [new RuleModel([""], ["configmaps"], ["get"], ["kubelet-config"])]));
        ks.Roles.Add(new RoleModel("kubeadm:nodes-kubeadm-config", [new RuleModel([""], ["configmaps"], ["get"], ["kubeadm-config"])]));
        ks.Roles.Add(new RoleModel("kube-proxy", [new RuleModel([""], ["configmaps"], ["get"], ["kube-proxy"])]));
        ks.Roles.Add(new RoleModel("system::leader-locking-kube-controller-manager",
            [new RuleModel([""], ["configmaps"], ["watch"]), new RuleModel([""], ["configmaps"], ["get", "update"], ["kube-controller-manager"])]));
        ks.Roles.Add(new RoleModel("system::leader-locking-kube-scheduler",
            [new RuleModel([""], ["configmaps"], ["watch"]), new RuleModel([""], ["configmaps"], ["get", "update"], ["kube-scheduler"])]));
        ks.Roles.Add(new RoleModel("system:controller:bootstrap-signer", [new RuleModel([""], ["secrets"], ["get", "list", "watch"])]));
        ks.Roles.Add(new RoleModel("system:controller:token-cleaner", [new RuleModel([""], ["secrets"], ["delete", "get", "list", "watch"])]));
        foreach (var role in ks.Roles.ToList())
        {
            ks.RoleBindings.Add(new BindingModel(role.Name, "Role", role.Name, role.Name switch
            {
                "kube-proxy" => [new SubjectModel("Group", "system:bootstrappers:kubeadm:default-node-token")],
                "kubeadm:kubelet-config" or "kubeadm:nodes-kubeadm-config" =>
                    [new SubjectModel("Group", "system:bootstrappers:kubeadm:default-node-token"), new SubjectModel("Group", "system:nodes")],
                "extension-apiserver-authentication-reader" => [new SubjectModel("User", "system:kube-controller-manager"),
                    new SubjectModel("User", "system:kube-scheduler")],
                _ => [new SubjectModel("ServiceAccount", role.Name.Split(':')[^1], "kube-system")],
            }));
        }
    }

    private PodTemplateModel StaticPodTemplate(string component, NodeModel node)
    {
        var ip = node.Ip;
        List<string> command = component switch
        {
            "kube-apiserver" =>
            [
                "kube-apiserver", $"--advertise-address={ip}", "--allow-privileged=true", "--authorization-mode=Node,RBAC",
                "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--enable-admission-plugins=NodeRestriction",
                "--enable-bootstrap-token-auth=true", "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
                "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
                "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key", "--etcd-servers=https://127.0.0.1:2379",
                "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
                "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
                "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                "--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt",
                "--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key",
                "--requestheader-allowed-names=front-proxy-client",
                "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-username-headers=X-Remote-User", "--secure-port=6443",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
                "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key", "--service-cluster-ip-range=10.96.0.0/12",
                "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt", "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
            ],
            "etcd" =>
            [
                "etcd", $"--advertise-client-urls=https://{ip}:2379", "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
                "--client-cert-auth=true", "--data-dir=/var/lib/etcd", "--experimental-initial-corrupt-check=true",
                "--experimental-watch-progress-notify-interval=5s", $"--initial-advertise-peer-urls=https://{ip}:2380",
                $"--initial-cluster={node.Name}=https://{ip}:2380", "--key-file=/etc/kubernetes/pki/etcd/server.key",
                $"--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379", "--listen-metrics-urls=http://127.0.0.1:2381",
                $"--listen-peer-urls=https://{ip}:2380", $"--name={node.Name}", "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
                "--peer-client-cert-auth=true", "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
                "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt", "--snapshot-count=10000",
                "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
            ],
            "kube-controller-manager" =>
            [
                "kube-controller-manager", "--allocate-node-cidrs=true",
                "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
                "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1",
                "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--cluster-cidr=10.244.0.0/16", "--cluster-name=kubernetes",
                "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt", "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
                "--controllers=*,bootstrapsigner,tokencleaner", "--kubeconfig=/etc/kubernetes/controller-manager.conf",
                "--leader-elect=true", "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
                "--root-ca-file=/etc/kubernetes/pki/ca.crt", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
                "--service-cluster-ip-range=10.96.0.0/12", "--use-service-account-credentials=true",
            ],
            _ =>
            [
                "kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
                "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
                "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true",
            ],
        };

        var (probePort, probePath, probeHost, scheme) = component switch
        {
            "kube-apiserver" => (6443, "/livez", ip, "HTTPS"),
            "etcd" => (2381, "/livez", "127.0.0.1", "HTTP"),
            "kube-controller-manager" => (10257, "/healthz", "127.0.0.1", "HTTPS"),
            _ => (10259, "/livez", "127.0.0.1", "HTTPS"),
        };

        var volumes = new List<VolumeModel>();
        var mounts = new List<MountModel>();
        void HostPath(string name, string path, string type, bool ro)
        {
            volumes.Add(new VolumeModel(name, "hostPath", path, type));
            mounts.Add(new MountModel(name, path, ro));
        }

        switch (component)
        {
            case "etcd":
                HostPath("etcd-certs", "/etc/kubernetes/pki/etcd", "DirectoryOrCreate", false);
                HostPath("etcd-data", "/var/lib/etcd", "DirectoryOrCreate", false);
                break;
            case "kube-apiserver":
                HostPath("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate", true);
                HostPath("etc-ca-certificates", "/etc/ca-certificates", "DirectoryOrCreate", true);
                HostPath("k8s-certs", "/etc/kubernetes/pki", "DirectoryOrCreate", true);
                HostPath("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates", "DirectoryOrCreate", true);
                HostPath("usr-share-ca-certificates", "/usr/share/ca-certificates", "DirectoryOrCreate", true);
                break;
            case "kube-controller-manager":
                HostPath("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate", true);
                HostPath("flexvolume-dir", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec", "DirectoryOrCreate", false);
                HostPath("k8s-certs", "/etc/kubernetes/pki", "DirectoryOrCreate", true);
                HostPath("kubeconfig", "/etc/kubernetes/controller-manager.conf", "FileOrCreate", true);
                break;
            default:
                HostPath("kubeconfig", "/etc/kubernetes/scheduler.conf", "FileOrCreate", true);
                break;
        }

        var image = component == "etcd" ? "registry.k8s.io/etcd:3.5.15-0" : $"registry.k8s.io/{component}:{KubeVersion}";
        var container = new ContainerModel
        {
            Name = component,
            Image = image,
            Command = command,
            Requests = (component switch { "kube-apiserver" => "250m", "kube-controller-manager" => "200m", _ => "100m" },
                component == "etcd" ? "100Mi" : null),
            Liveness = new ProbeModel("httpGet", probePort, probePath, scheme, probeHost, 10, 10, 15, 8),
            Readiness = component is "kube-apiserver" or "etcd"
                ? new ProbeModel("httpGet", probePort, component == "etcd" ? "/readyz" : "/readyz", scheme, probeHost, 0, 1, 15, 3)
                : null,
            Startup = new ProbeModel("httpGet", probePort, probePath, scheme, probeHost, 10, 10, 15, 24),
            Mounts = mounts,
        };

        return new PodTemplateModel
        {
            App = component,
            Labels = [L("component", component), L("tier", "control-plane")],
            Annotations = component == "kube-apiserver"
                ? [L("kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint", $"{ip}:6443")]
                : component == "etcd" ? [L("kubeadm.kubernetes.io/etcd.advertise-client-urls", $"https://{ip}:2379")] : [],
            Containers = [container],
            Volumes = volumes,
            Profile = SecurityProfile.NodeAgent,
            PodSecurity = new PodSecurity(Seccomp: "RuntimeDefault"),
            HostNetwork = true,
            PriorityClass = "system-node-critical",
            Priority = 2000001000,
            Tolerations = [new Toleration(null, "Exists", "NoExecute")],
        };
    }

    private PodTemplateModel InfraTemplate(NamespaceModel ns, string app, string image, SecurityProfile profile,
        (string Name, int Port)[]? ports = null, bool privileged = false, bool hostNetwork = false, bool hostPid = false,
        (string Name, string HostPath, string MountPath)[]? hostPaths = null, string[]? caps = null, long? user = null,
        string? priorityClass = null)
    {
        if (!ns.ServiceAccounts.Contains(app))
        {
            ns.ServiceAccounts.Add(app);
        }

        var volumes = new List<VolumeModel>();
        var mounts = new List<MountModel>();
        foreach (var (name, host, mount) in hostPaths ?? [])
        {
            volumes.Add(new VolumeModel(name, "hostPath", host, host.EndsWith(".sock", StringComparison.Ordinal) ? "Socket" : host.EndsWith(".lock", StringComparison.Ordinal) ? "FileOrCreate" : "Directory"));
            mounts.Add(new MountModel(name, mount, ReadOnly: !privileged && mount != "/var/log"));
        }

        if (profile == SecurityProfile.Hardened)
        {
            volumes.Add(new VolumeModel("tmp", "emptyDir"));
            mounts.Add(new MountModel("tmp", "/tmp"));
        }

        var sec = profile switch
        {
            SecurityProfile.Hardened => new ContainerSecurity(AllowPrivilegeEscalation: false, ReadOnlyRootFilesystem: true,
                RunAsNonRoot: true, RunAsUser: user, CapDrop: ["ALL"], Seccomp: "RuntimeDefault"),
            SecurityProfile.Partial => new ContainerSecurity(AllowPrivilegeEscalation: false, RunAsUser: user, RunAsNonRoot: user is > 0,
                CapAdd: caps, CapDrop: caps is null ? null : ["ALL"]),
            _ => privileged ? new ContainerSecurity(Privileged: true)
                : caps is not null ? new ContainerSecurity(CapAdd: caps, CapDrop: ["ALL"], Seccomp: "Unconfined")
                : new ContainerSecurity(ReadOnlyRootFilesystem: true, RunAsUser: user, RunAsNonRoot: user is > 0),
        };

        var port = ports is { Length: > 0 } ? ports[0].Port : 8080;
        var container = new ContainerModel
        {
            Name = app,
            Image = image,
            Args = [$"--log-level=info", $"--metrics-port={port}"],
            Ports = (ports ?? []).Select(p => (p.Name, p.Port, p.Name.StartsWith("dns", StringComparison.Ordinal) && p.Name != "dns-tcp" ? "UDP" : "TCP")).ToList(),
            Env = profile == SecurityProfile.NodeAgent
                ? [new EnvVar("NODE_NAME", FieldPath: "spec.nodeName"), new EnvVar("POD_NAMESPACE", FieldPath: "metadata.namespace")]
                : [new EnvVar("POD_NAMESPACE", FieldPath: "metadata.namespace")],
            Requests = ("100m", "128Mi"),
            Limits = profile == SecurityProfile.NodeAgent ? (null, "512Mi") : ("1", "512Mi"),
            Liveness = new ProbeModel("httpGet", port, "/healthz", InitialDelay: 10),
            Readiness = new ProbeModel("httpGet", port, "/ready"),
            Mounts = mounts,
            Security = sec,
        };

        var labels = new List<KeyValuePair<string, string>> { L("app.kubernetes.io/name", app), L("app.kubernetes.io/instance", app) };
        var tolerations = profile == SecurityProfile.NodeAgent ? new List<Toleration> { new(null, "Exists", null) } : [];
        return new PodTemplateModel
        {
            App = app,
            Labels = labels,
            Annotations = [L("prometheus.io/scrape", "true"), L("prometheus.io/port", port.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            Containers = [container],
            Volumes = volumes,
            Profile = profile,
            PodSecurity = profile == SecurityProfile.Hardened
                ? new PodSecurity(true, user, user, user, "RuntimeDefault")
                : user is not null ? new PodSecurity(FsGroup: user) : null,
            ServiceAccount = app,
            HostNetwork = hostNetwork,
            HostPid = hostPid,
            PriorityClass = priorityClass,
            Priority = priorityClass switch { "system-node-critical" => 2000001000, "system-cluster-critical" => 2000000000, _ => 0 },
            Tolerations = tolerations,
            DnsPolicy = hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
        };
    }

    // ---------------------------------------------------------------- workloads

    private ControllerModel AddDeployment(NamespaceModel ns, PodTemplateModel t, int replicas, int revisions, double age, string? helm = null)
    {
        var tag = TagOf(t.Containers[0].Image);
        var deploy = new ControllerModel
        {
            Kind = "Deployment", Name = t.App, Namespace = ns.Name, Uid = _r.Uid(), Template = t, Replicas = replicas,
            Revision = revisions, AgeDays = age, HelmRelease = helm, Generation = revisions + _r.Int(0, 3),
        };
        Controllers.Add(deploy);
        ns.Apps.Add(t.App);
        for (var rev = 1; rev <= revisions; rev++)
        {
            var current = rev == revisions;
            var rs = new ControllerModel
            {
                Kind = "ReplicaSet", Name = $"{t.App}-{_r.Suffix(10)}", Namespace = ns.Name, Uid = _r.Uid(), Template = t, Owner = deploy,
                Replicas = current ? replicas : 0, Revision = rev, TemplateHash = null, ImageTag = current ? null : OlderTag(tag, revisions - rev),
                AgeDays = age * (revisions - rev + 1) / (revisions + 1), HelmRelease = helm,
            };
            Controllers.Add(rs);
            if (!current)
            {
                continue;
            }

            for (var i = 0; i < replicas; i++)
            {
                AddPod(ns, t, rs, $"{rs.Name}-{_r.Suffix(5)}", rs.AgeDays * _r.Double(), debug: _r.Chance(0.01));
            }
        }

        return deploy;
    }

    private void AddStatefulSet(NamespaceModel ns, PodTemplateModel t, int replicas, double age)
    {
        var sts = new ControllerModel
        {
            Kind = "StatefulSet", Name = t.App, Namespace = ns.Name, Uid = _r.Uid(), Template = t, Replicas = replicas, AgeDays = age,
            HeadlessService = t.App + "-headless", TemplateHash = $"{t.App}-{_r.Suffix(10)}",
        };
        Controllers.Add(sts);
        ns.Apps.Add(t.App);
        for (var i = 0; i < replicas; i++)
        {
            AddPod(ns, t, sts, $"{t.App}-{i}", age * _r.Double(), ordinal: i);
        }
    }

    private void AddDaemonSet(NamespaceModel ns, PodTemplateModel t, double age)
    {
        var ds = new ControllerModel
        {
            Kind = "DaemonSet", Name = t.App, Namespace = ns.Name, Uid = _r.Uid(), Template = t, Replicas = Nodes.Count, AgeDays = age,
            TemplateHash = _r.Suffix(10),
        };
        Controllers.Add(ds);
        ns.Apps.Add(t.App);
        foreach (var node in Nodes)
        {
            Pods.Add(new PodModel
            {
                Name = $"{t.App}-{_r.Suffix(5)}", Namespace = ns.Name, Uid = _r.Uid(), Template = t, Owner = ds, Node = node,
                AgeDays = Math.Min(age, 60) * _r.Double(),
            });
            node.PodsOnNode++;
        }
    }

    private void AddCronJob(NamespaceModel ns, PodTemplateModel t, int jobs, double age)
    {
        var cj = new ControllerModel
        {
            Kind = "CronJob", Name = t.App, Namespace = ns.Name, Uid = _r.Uid(), Template = t, AgeDays = age, Schedule = _r.Pick(Schedules),
        };
        Controllers.Add(cj);
        ns.Apps.Add(t.App);
        var stamp = 29_500_000 + _r.Int(0, 9_000);
        for (var j = 0; j < jobs; j++)
        {
            var job = new ControllerModel
            {
                Kind = "Job", Name = $"{t.App}-{stamp + (j * 60)}", Namespace = ns.Name, Uid = _r.Uid(), Template = t, Owner = cj,
                Replicas = 1, AgeDays = (jobs - j) * 0.04,
            };
            Controllers.Add(job);
            Pods.Add(new PodModel
            {
                Name = $"{job.Name}-{_r.Suffix(5)}", Namespace = ns.Name, Uid = _r.Uid(), Template = t, Owner = job, Node = NextWorker(),
                Succeeded = true, AgeDays = job.AgeDays,
            });
        }
    }

    private void AddPod(NamespaceModel ns, PodTemplateModel t, ControllerModel? owner, string name, double age, bool debug = false, int ordinal = -1)
    {
        var node = NextWorker();
        node.PodsOnNode++;
        Pods.Add(new PodModel
        {
            Name = name, Namespace = ns.Name, Uid = _r.Uid(), Template = t, Owner = owner, Node = node, AgeDays = age,
            DebugContainer = debug, Ordinal = ordinal,
        });
    }

    private static string TagOf(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var baseImage = at >= 0 ? image[..at] : image;
        var colon = baseImage.LastIndexOf(':');
        return colon > baseImage.LastIndexOf('/') ? baseImage[(colon + 1)..] : "latest";
    }

    private static string OlderTag(string tag, int back)
    {
        var parts = tag.TrimStart('v').Split('.');
        if (parts.Length >= 2 && int.TryParse(parts[1], out var minor))
        {
            parts[1] = Math.Max(0, minor - back).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return (tag.StartsWith('v') ? "v" : "") + string.Join('.', parts);
        }

        return tag + "-r" + back;
    }

    // ---------------------------------------------------------------- application namespaces

    private NamespaceModel BuildAppNamespace(int index)
    {
        var team = _r.Pick(Teams);
        var env = _r.Pick(Envs);
        var ns = new NamespaceModel
        {
            Name = $"{team}-{env}-{index}", Uid = _r.Uid(), AgeDays = 20 + _r.Int(0, 380), Team = team,
            PsaLabels = _r.Weighted(35, 25, 25, 10, 5) switch
            {
                0 => [],
                1 => [L("pod-security.kubernetes.io/enforce", "restricted"), L("pod-security.kubernetes.io/enforce-version", "latest")],
                2 => [L("pod-security.kubernetes.io/enforce", "baseline"), L("pod-security.kubernetes.io/warn", "restricted"),
                    L("pod-security.kubernetes.io/audit", "restricted")],
                3 => [L("pod-security.kubernetes.io/enforce", "privileged")],
                _ => [L("pod-security.kubernetes.io/audit", "baseline")],
            },
        };

        var usedApps = new HashSet<string>(StringComparer.Ordinal);
        string UniqueApp(IReadOnlyList<string> pool)
        {
            var name = _r.Pick(pool);
            var n = 2;
            var candidate = name;
            while (!usedApps.Add(candidate))
            {
                candidate = $"{name}-{n++}";
            }

            return candidate;
        }

        var deployments = _r.Int(2, 5);
        for (var i = 0; i < deployments; i++)
        {
            var app = UniqueApp(AppNames);
            var t = AppTemplate(ns, app, env, "Deployment");
            var replicas = _r.Weighted(50, 35, 10, 5) + 1;
            var revisions = _r.Weighted(65, 28, 7) + 1;
            AddDeployment(ns, t, replicas, revisions, ns.AgeDays * (0.3 + (0.7 * _r.Double())), helm: _r.Chance(0.5) ? app : null);
            if (_r.Chance(0.9))
            {
                ns.Services.Add(new ServiceModel(app, app, 80, t.Containers[0].Ports.FirstOrDefault().Port is > 0 and var p ? p : 8080,
                    _r.Chance(0.04) ? "NodePort" : "ClusterIP"));
                if (_r.Chance(0.3))
                {
                    ns.Services.Add(new ServiceModel(app + "-metrics", app, 9090, 9090));
                }

                if (_r.Chance(0.18))
                {
                    ns.Ingresses.Add(new IngressModel(app, app, $"{app}.{team}.{(env == "prod" ? "" : env + ".")}example.com", _r.Chance(0.8)));
                }
            }
        }

        if (_r.Chance(0.3))
        {
            var app = UniqueApp(StatefulApps);
            var t = AppTemplate(ns, app, env, "StatefulSet");
            AddStatefulSet(ns, t, _r.Int(1, 3), ns.AgeDays * 0.9);
            ns.Services.Add(new ServiceModel(app + "-headless", app, 5432, 5432, Headless: true));
            ns.Services.Add(new ServiceModel(app, app, 5432, 5432));
        }

        var cronJobs = _r.Weighted(40, 40, 15, 5);
        for (var i = 0; i < cronJobs; i++)
        {
            var app = UniqueApp(CronApps);
            AddCronJob(ns, AppTemplate(ns, app, env, "CronJob"), _r.Int(1, 3), ns.AgeDays * 0.6);
        }

        if (_r.Chance(0.04))
        {
            var app = UniqueApp(["debug-shell", "netshoot", "db-migrate-manual"]);
            AddPod(ns, AppTemplate(ns, app, env, "Pod"), null, app, 0.5);
        }

        foreach (var extra in new[] { "ci-deployer", "external-secrets", "backup", "monitoring-reader", "log-shipper", "migrations" })
        {
            if (_r.Chance(0.35))
            {
                ns.ServiceAccounts.Add(extra);
            }
        }

        var extraConfigMaps = _r.Int(10, 24);
        string[] cmNames = ["feature-flags", "nginx-conf", "istio-ca-root-cert", "app-settings", "logging-config", "env-overrides", "ca-bundle", "grpc-routes", "rate-limits", "locale-data"];
        for (var i = 0; i < extraConfigMaps; i++)
        {
            var name = i < cmNames.Length ? cmNames[i] : $"{_r.Pick(ns.Apps)}-env-{i}";
            ns.ConfigMaps.Add(new ConfigMapModel(name, _r.Weighted(60, 30, 10) switch { 0 => "env", 1 => "file", _ => "json" }));
        }

        BuildNamespaceRbac(ns);
        BuildNetworkPolicies(ns);
        ns.LimitRange = _r.Chance(0.5);
        ns.Quota = _r.Chance(0.4);
        return ns;
    }

    private void BuildNamespaceRbac(NamespaceModel ns)
    {
        var roles = _r.Int(1, 4);
        for (var i = 0; i < roles; i++)
        {
            var app = _r.Pick(ns.Apps);
            RoleModel role = _r.Weighted(35, 25, 15, 15, 10) switch
            {
                0 => new RoleModel($"{app}-config-reader", [new RuleModel([""], ["configmaps"], ["get", "list", "watch"])]),
                1 => new RoleModel($"{app}-leader-election",
                [
                    new RuleModel(["coordination.k8s.io"], ["leases"], ["get", "create", "update"]),
                    new RuleModel([""], ["events"], ["create", "patch"]),
                ]),
                2 => new RoleModel($"{app}-secret-reader", [new RuleModel([""], ["secrets"], ["get", "list", "watch"])]),
                3 => new RoleModel($"deployer-{i}",
                [
                    new RuleModel(["apps"], ["deployments", "statefulsets", "replicasets"], ["get", "list", "watch", "create", "update", "patch", "delete"]),
                    new RuleModel([""], ["services", "configmaps", "pods"], ["*"]),
                    new RuleModel(["batch"], ["jobs", "cronjobs"], ["*"]),
                ]),
                _ => new RoleModel($"namespace-admin-{i}", [new RuleModel(["*"], ["*"], ["*"])]),
            };
            if (ns.Roles.Any(r => r.Name == role.Name))
            {
                continue;
            }

            ns.Roles.Add(role);
            var sa = ns.ServiceAccounts.Contains(app) ? app : "default";
            ns.RoleBindings.Add(new BindingModel(role.Name, "Role", role.Name, [new SubjectModel("ServiceAccount", sa, ns.Name)]));
        }

        var teamBindings = _r.Int(2, 6);
        for (var i = 0; i < teamBindings; i++)
        {
            var (role, group) = _r.Weighted(45, 35, 15, 5) switch
            {
                0 => ("view", $"oidc:{ns.Team}-readers"),
                1 => ("edit", $"oidc:{ns.Team}-developers"),
                2 => ("admin", $"oidc:{ns.Team}-leads"),
                _ => ("cluster-admin", $"oidc:{ns.Team}-oncall"),
            };
            var name = $"{ns.Team}-{role}-{i}";
            ns.RoleBindings.Add(new BindingModel(name, "ClusterRole", role,
                _r.Chance(0.8) ? [new SubjectModel("Group", group)] : [new SubjectModel("Group", group), new SubjectModel("User", $"{ns.Team}-lead@example.com")]));
        }

        if (ns.ServiceAccounts.Contains("ci-deployer"))
        {
            ns.RoleBindings.Add(new BindingModel("ci-deployer-edit", "ClusterRole", _r.Chance(0.1) ? "cluster-admin" : "edit",
                [new SubjectModel("ServiceAccount", "ci-deployer", ns.Name)]));
        }
    }

    private void BuildNetworkPolicies(NamespaceModel ns)
    {
        var roll = _r.Weighted(45, 25, 30);
        if (roll == 2)
        {
            return;
        }

        if (roll == 0)
        {
            ns.NetworkPolicies.Add(new NetworkPolicyModel(_r.Chance(0.6) ? "default-deny-all" : "default-deny-ingress",
                _r.Chance(0.6) ? "deny-all" : "deny-ingress"));
            ns.NetworkPolicies.Add(new NetworkPolicyModel("allow-dns-egress", "allow-dns"));
        }

        var allows = _r.Int(1, 5);
        for (var i = 0; i < allows && i < ns.Apps.Count; i++)
        {
            var app = ns.Apps[i];
            ns.NetworkPolicies.Add(new NetworkPolicyModel($"allow-{app}-ingress", "allow-app", app));
        }

        if (_r.Chance(0.5))
        {
            ns.NetworkPolicies.Add(new NetworkPolicyModel("allow-prometheus-scrape", "allow-monitoring"));
        }
    }

    private PodTemplateModel AppTemplate(NamespaceModel ns, string app, string env, string kind)
    {
        var profile = (SecurityProfile)_r.Weighted(35, 30, 27, 5, 3);
        var version = $"{_r.Int(1, 4)}.{_r.Int(0, 30)}.{_r.Int(0, 12)}";
        var team = ns.Team ?? "platform";
        var image = _r.Weighted(50, 20, 15, 8, 7) switch
        {
            0 => $"registry.example.com/{team}/{app}:{version}",
            1 => $"ghcr.io/example-org/{app}:v{version}",
            2 => $"registry.example.com/{team}/{app}@sha256:{_r.Hex(32)}",
            3 => $"registry.example.com/{team}/{app}:latest",
            _ => kind == "StatefulSet" ? $"docker.io/library/{app}:16.6" : $"docker.io/{team}/{app}",
        };
        var port = _r.Pick([8080, 8080, 8080, 3000, 8000, 9090, 5000]);
        if (kind == "StatefulSet")
        {
            port = app switch { "postgres" => 5432, "redis" => 6379, "kafka" => 9092, "rabbitmq" => 5672, "mongodb" => 27017, "zookeeper" => 2181, _ => 9200 };
        }

        var volumes = new List<VolumeModel>();
        var mounts = new List<MountModel>();
        string? configMap = null;
        if (_r.Chance(0.6))
        {
            configMap = $"{app}-config";
            ns.ConfigMaps.Add(new ConfigMapModel(configMap, "file"));
            volumes.Add(new VolumeModel("config", "configMap", configMap));
            mounts.Add(new MountModel("config", $"/etc/{app}", true));
        }

        if (_r.Chance(0.4))
        {
            var secret = _r.Chance(0.5) ? $"{app}-tls" : $"{app}-credentials";
            volumes.Add(new VolumeModel("secrets", "secret", secret));
            mounts.Add(new MountModel("secrets", $"/var/run/secrets/{app}", true));
        }

        if (profile == SecurityProfile.Hardened || _r.Chance(0.3))
        {
            volumes.Add(new VolumeModel("tmp", "emptyDir"));
            mounts.Add(new MountModel("tmp", "/tmp"));
        }

        var hostNetwork = false;
        var hostPid = false;
        if (profile == SecurityProfile.Risky)
        {
            var sock = _r.Chance(0.5);
            volumes.Add(new VolumeModel(sock ? "docker-sock" : "host-logs", "hostPath", sock ? "/var/run/docker.sock" : "/var/log", sock ? "Socket" : "Directory"));
            mounts.Add(new MountModel(sock ? "docker-sock" : "host-logs", sock ? "/var/run/docker.sock" : "/host/var/log", !sock));
            hostNetwork = _r.Chance(0.3);
            hostPid = _r.Chance(0.2);
        }

        if (kind == "StatefulSet")
        {
            mounts.Add(new MountModel("data", app == "postgres" ? "/var/lib/postgresql/data" : "/data"));
        }

        var sa = "default";
        if (_r.Chance(0.7))
        {
            sa = app;
            if (!ns.ServiceAccounts.Contains(app))
            {
                ns.ServiceAccounts.Add(app);
            }
        }

        var privilegedMain = profile == SecurityProfile.Privileged && _r.Chance(0.5);
        var main = new ContainerModel
        {
            Name = app,
            Image = image,
            PullPolicy = image.EndsWith(":latest", StringComparison.Ordinal) || !image.Contains(':', StringComparison.Ordinal) ? "Always" : "IfNotPresent",
            Args = kind == "CronJob" ? ["--once", $"--task={app}"] : _r.Chance(0.3) ? [$"--config=/etc/{app}/config.yaml", $"--port={port}"] : null,
            Ports = kind == "CronJob" ? [] : [("http", port, "TCP")],
            Env = AppEnv(ns, app, env, port, configMap),
            EnvFromConfigMap = configMap is not null && _r.Chance(0.3) ? configMap : null,
            EnvFromSecret = _r.Chance(0.2) ? $"{app}-env" : null,
            Requests = _r.Weighted(70, 15, 15) switch
            {
                0 or 1 => (_r.Pick(["50m", "100m", "250m", "500m", "1"]), _r.Pick(["64Mi", "128Mi", "256Mi", "512Mi", "1Gi"])),
                _ => null,
            },
            Limits = _r.Chance(0.7) ? (_r.Chance(0.6) ? _r.Pick(["500m", "1", "2"]) : null, _r.Pick(["256Mi", "512Mi", "1Gi", "2Gi"])) : null,
            Liveness = kind != "CronJob" && _r.Chance(0.75) ? new ProbeModel("httpGet", port, "/healthz", InitialDelay: _r.Pick([0, 5, 10, 30])) : null,
            Readiness = kind != "CronJob" && _r.Chance(0.8) ? new ProbeModel(_r.Chance(0.85) ? "httpGet" : "tcpSocket", port, "/ready", Period: 5) : null,
            Mounts = mounts,
            Security = ContainerSecurityFor(profile, privilegedMain),
        };

        var containers = new List<ContainerModel> { main };
        if (kind != "CronJob" && _r.Chance(0.2))
        {
            var (name, sidecarImage, sidecarPort) = _r.Pick(Sidecars);
            containers.Add(new ContainerModel
            {
                Name = name,
                Image = sidecarImage,
                Args = [$"--listen=:{sidecarPort}", "--log-level=warn"],
                Ports = [(name.Length > 15 ? name[..15] : name, sidecarPort, "TCP")],
                Env = [new EnvVar("POD_NAME", FieldPath: "metadata.name"), new EnvVar("POD_NAMESPACE", FieldPath: "metadata.namespace")],
                Requests = ("10m", "32Mi"),
                Limits = _r.Chance(0.5) ? (null, "128Mi") : null,
                Readiness = _r.Chance(0.5) ? new ProbeModel("httpGet", sidecarPort, "/ready") : null,
                Security = profile == SecurityProfile.Hardened
                    ? ContainerSecurityFor(SecurityProfile.Hardened, false)
                    : _r.Chance(0.5) ? new ContainerSecurity(RunAsUser: 1337, RunAsNonRoot: true, AllowPrivilegeEscalation: false) : null,
            });
        }

        var init = new List<ContainerModel>();
        if (_r.Chance(0.15) || (profile == SecurityProfile.Privileged && !privilegedMain))
        {
            init.Add(profile == SecurityProfile.Privileged && !privilegedMain
                ? new ContainerModel
                {
                    Name = "sysctl", Image = "docker.io/library/busybox:1.36",
                    Command = ["sh", "-c", "sysctl -w vm.max_map_count=262144 && sysctl -w net.core.somaxconn=1024"],
                    Security = new ContainerSecurity(Privileged: true, RunAsUser: 0),
                }
                : _r.Weighted(40, 35, 25) switch
                {
                    0 => new ContainerModel
                    {
                        Name = "wait-for-db", Image = "docker.io/library/busybox:1.36",
                        Command = ["sh", "-c", "until nc -z postgres 5432; do echo waiting for db; sleep 2; done"],
                        Security = ContainerSecurityFor(profile, false),
                    },
                    1 => new ContainerModel
                    {
                        Name = "migrate", Image = image, Args = ["migrate", "up", "--database-url=$(DATABASE_URL)"],
                        Env = [new EnvVar("DATABASE_URL", SecretName: $"{app}-db", Key: "url")],
                        Requests = ("50m", "64Mi"),
                        Security = ContainerSecurityFor(profile, false),
                    },
                    _ => new ContainerModel
                    {
                        Name = "init-config", Image = "docker.io/library/alpine:3.20",
                        Command = ["sh", "-c", $"cp /config-src/* /etc/{app}/ && chmod 0444 /etc/{app}/*"],
                        Mounts = mounts.Where(m => m.Volume == "config").ToList(),
                        Security = ContainerSecurityFor(profile, false),
                    },
                });
        }

        var labels = new List<KeyValuePair<string, string>> { L("app.kubernetes.io/name", app), L("app.kubernetes.io/instance", $"{app}-{env}") };
        if (_r.Chance(0.4))
        {
            labels.Add(L("app", app));
        }

        if (_r.Chance(0.5))
        {
            labels.Add(L("app.kubernetes.io/version", version));
        }

        var annotations = new List<KeyValuePair<string, string>>();
        if (_r.Chance(0.5))
        {
            annotations.Add(L("prometheus.io/scrape", "true"));
            annotations.Add(L("prometheus.io/port", "9090"));
        }

        if (_r.Chance(0.4))
        {
            annotations.Add(L("checksum/config", _r.Hex(32)));
        }

        if (_r.Chance(0.15))
        {
            annotations.Add(L("kubectl.kubernetes.io/restartedAt", "2026-02-" + _r.Int(10, 28) + "T09:1" + _r.Int(0, 9) + ":00Z"));
        }

        return new PodTemplateModel
        {
            App = app,
            Labels = labels,
            Annotations = annotations,
            InitContainers = init,
            Containers = containers,
            Volumes = volumes,
            Profile = profile,
            PodSecurity = profile switch
            {
                SecurityProfile.Hardened => new PodSecurity(true, 10001, 10001, 10001, "RuntimeDefault"),
                SecurityProfile.Partial => _r.Weighted(40, 40, 20) switch
                {
                    0 => new PodSecurity(RunAsNonRoot: true),
                    1 => new PodSecurity(FsGroup: 2000, RunAsUser: 1000),
                    _ => null,
                },
                SecurityProfile.Risky => _r.Chance(0.5) ? new PodSecurity(RunAsUser: 0) : null,
                _ => null,
            },
            ServiceAccount = sa,
            AutomountToken = _r.Chance(0.2) ? false : null,
            HostNetwork = hostNetwork,
            HostPid = hostPid,
            RestartPolicy = kind == "CronJob" ? (_r.Chance(0.5) ? "OnFailure" : "Never") : "Always",
            PriorityClass = _r.Chance(0.1) ? "high-priority" : null,
            Priority = 0,
            NodeSelector = _r.Chance(0.2) ? [L("node-pool", _r.Pick(["general", "highmem", "batch"]))] : null,
            Tolerations = _r.Chance(0.1) ? [new Toleration("dedicated", "Equal", "NoSchedule", "batch")] : [],
            TerminationGrace = _r.Pick([30, 30, 30, 60, 10]),
            PodAntiAffinity = kind == "Deployment" && _r.Chance(0.3),
        };
    }

    private ContainerSecurity? ContainerSecurityFor(SecurityProfile profile, bool privileged) => profile switch
    {
        SecurityProfile.Hardened => new ContainerSecurity(AllowPrivilegeEscalation: false, ReadOnlyRootFilesystem: true,
            RunAsNonRoot: true, CapDrop: ["ALL"], Seccomp: _r.Chance(0.3) ? "RuntimeDefault" : null),
        SecurityProfile.Partial => _r.Weighted(50, 30, 20) switch
        {
            0 => new ContainerSecurity(AllowPrivilegeEscalation: false),
            1 => new ContainerSecurity(AllowPrivilegeEscalation: false, RunAsUser: 1000, ReadOnlyRootFilesystem: false),
            _ => new ContainerSecurity(RunAsNonRoot: true, CapDrop: ["NET_RAW"]),
        },
        SecurityProfile.Risky => new ContainerSecurity(AllowPrivilegeEscalation: true, RunAsUser: 0,
            CapAdd: _r.Chance(0.5) ? ["NET_ADMIN", "SYS_PTRACE"] : ["SYS_ADMIN"]),
        SecurityProfile.Privileged => privileged ? new ContainerSecurity(Privileged: true, AllowPrivilegeEscalation: true) : null,
        _ => null,
    };

    private List<EnvVar> AppEnv(NamespaceModel ns, string app, string env, int port, string? configMap)
    {
        var ic = System.Globalization.CultureInfo.InvariantCulture;
        var pool = new List<Func<EnvVar>>
        {
            () => new EnvVar("LOG_LEVEL", _r.Pick(["info", "info", "debug", "warn"])),
            () => new EnvVar("PORT", port.ToString(ic)),
            () => new EnvVar("NODE_ENV", env == "prod" ? "production" : "development"),
            () => new EnvVar("JAVA_OPTS", "-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxRAMPercentage=75.0 -Dfile.encoding=UTF-8"),
            () => new EnvVar("SPRING_PROFILES_ACTIVE", env),
            () => new EnvVar("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring.svc.cluster.local:4317"),
            () => new EnvVar("OTEL_SERVICE_NAME", app),
            () => new EnvVar("REDIS_HOST", "redis-master." + ns.Name + ".svc.cluster.local"),
            () => new EnvVar("DB_HOST", "postgres." + ns.Name + ".svc.cluster.local"),
            () => new EnvVar("DB_NAME", app.Replace('-', '_')),
            () => new EnvVar("CACHE_TTL_SECONDS", _r.Pick(["60", "300", "3600"])),
            () => new EnvVar("FEATURE_FLAGS", "new-checkout,fast-search,dark-mode"),
            () => new EnvVar("GOMAXPROCS", _r.Pick(["1", "2", "4"])),
            () => new EnvVar("TZ", "UTC"),
            () => new EnvVar("DB_PASSWORD", SecretName: $"{app}-db", Key: "password"),
            () => new EnvVar("DATABASE_URL", SecretName: $"{app}-db", Key: "url"),
            () => new EnvVar("API_TOKEN", SecretName: $"{app}-credentials", Key: "token"),
            () => new EnvVar("POD_NAME", FieldPath: "metadata.name"),
            () => new EnvVar("POD_NAMESPACE", FieldPath: "metadata.namespace"),
            () => new EnvVar("POD_IP", FieldPath: "status.podIP"),
            () => new EnvVar("NODE_NAME", FieldPath: "spec.nodeName"),
            () => new EnvVar("MEMORY_LIMIT", ResourceField: "limits.memory"),
            () => configMap is null ? new EnvVar("RETRY_LIMIT", "5") : new EnvVar("CONFIG_VERSION", ConfigMapName: configMap, Key: "version"),
        };
        var count = _r.Int(1, 6);
        var chosen = new List<EnvVar>(count + 1);
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count * 2 && chosen.Count < count; i++)
        {
            var v = _r.Pick(pool)();
            if (used.Add(v.Name))
            {
                chosen.Add(v);
            }
        }

        if (_r.Chance(0.08))
        {
            // Credentials pasted as literals: what secret-in-env checks look for.
            var leak = _r.Weighted(40, 25, 20, 15) switch
            {
                0 => new EnvVar("DB_PASSWORD", "S3cr3t-" + _r.Hex(6)),
                1 => new EnvVar("AWS_SECRET_ACCESS_KEY", _r.Base64(30)),
                2 => new EnvVar("STRIPE_API_KEY", "sk_live_" + _r.Hex(12)),
                _ => new EnvVar("GITHUB_TOKEN", "ghp_" + _r.Base64(27).Replace('+', 'a').Replace('/', 'b')),
            };
            chosen.RemoveAll(e => e.Name == leak.Name);
            chosen.Add(leak);
        }

        return chosen;
    }

    // ---------------------------------------------------------------- cluster RBAC

    private void BuildClusterRbac()
    {
        string[] all = ["*"];
        string[] read = ["get", "list", "watch"];
        string[] write = ["create", "delete", "deletecollection", "patch", "update"];

        ClusterRoles.Add(new RoleModel("cluster-admin",
            [new RuleModel(all, all, all), new RuleModel([], [], all, NonResourceUrls: all)],
            [L("kubernetes.io/bootstrapping", "rbac-defaults")]));

        var coreResources = new[] { "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "configmaps", "endpoints",
            "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets", "serviceaccounts", "services",
            "services/proxy" };
        var appsResources = new[] { "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
            "replicasets/scale", "statefulsets", "statefulsets/scale" };
        foreach (var (name, verbs) in new[] { ("admin", read.Concat(write).Append("impersonate").ToArray()), ("edit", read.Concat(write).ToArray()), ("view", read) })
        {
            ClusterRoles.Add(new RoleModel(name,
            [
                new RuleModel([""], name == "view" ? coreResources.Where(r => r != "secrets" && !r.Contains('/')).ToArray() : coreResources, verbs),
                new RuleModel(["apps"], appsResources, verbs),
                new RuleModel(["autoscaling"], ["horizontalpodautoscalers"], verbs),
                new RuleModel(["batch"], ["cronjobs", "jobs"], verbs),
                new RuleModel(["extensions", "networking.k8s.io"], ["ingresses", "networkpolicies"], verbs),
                new RuleModel(["policy"], ["poddisruptionbudgets"], verbs),
                new RuleModel([""], ["events", "limitranges", "namespaces/status", "pods/log", "pods/status", "resourcequotas",
                    "resourcequotas/status", "replicationcontrollers/status"], read),
                new RuleModel(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
                .. name == "admin"
                    ? new[] { new RuleModel(["rbac.authorization.k8s.io"], ["rolebindings", "roles"], read.Concat(write).ToArray()) }
                    : [],
            ],
            [L("kubernetes.io/bootstrapping", "rbac-defaults")],
            AggregateFrom: [$"rbac.authorization.k8s.io/aggregate-to-{name}"]));
            ClusterRoles.Add(new RoleModel($"system:aggregate-to-{name}",
                [new RuleModel(["apps"], appsResources, verbs), new RuleModel(["batch"], ["cronjobs", "jobs"], verbs)],
                [L("kubernetes.io/bootstrapping", "rbac-defaults"), L($"rbac.authorization.k8s.io/aggregate-to-{name}", "true")]));
        }

        var controllers = new (string Name, RuleModel[] Rules)[]
        {
            ("attachdetach-controller", [new([""], ["persistentvolumeclaims", "persistentvolumes"], read), new([""], ["nodes"], ["get", "list", "watch", "patch", "update"])]),
            ("certificate-controller", [new(["certificates.k8s.io"], ["certificatesigningrequests"], ["delete", "get", "list", "watch"])]),
            ("clusterrole-aggregation-controller", [new(["rbac.authorization.k8s.io"], ["clusterroles"], ["escalate", "get", "list", "patch", "update", "watch"])]),
            ("cronjob-controller", [new(["batch"], ["cronjobs"], ["get", "list", "update", "watch"]), new(["batch"], ["jobs"], ["create", "delete", "get", "list", "patch", "update", "watch"])]),
            ("daemon-set-controller", [new(["apps", "extensions"], ["daemonsets"], read), new([""], ["pods"], ["create", "delete", "list", "patch", "watch"]), new([""], ["pods/binding"], ["create"])]),
            ("deployment-controller", [new(["apps", "extensions"], ["deployments"], ["get", "list", "update", "watch"]), new(["apps", "extensions"], ["replicasets"], ["create", "delete", "get", "list", "patch", "update", "watch"])]),
            ("disruption-controller", [new(["apps", "extensions"], ["deployments", "replicasets", "statefulsets"], read), new(["policy"], ["poddisruptionbudgets/status"], ["update"])]),
            ("endpoint-controller", [new([""], ["pods", "services"], read), new([""], ["endpoints"], ["create", "delete", "get", "list", "update"])]),
            ("endpointslice-controller", [new([""], ["nodes", "pods", "services"], read), new(["discovery.k8s.io"], ["endpointslices"], ["create", "delete", "get", "list", "update"])]),
            ("generic-garbage-collector", [new(all, all, ["delete", "get", "list", "patch", "update", "watch"])]),
            ("horizontal-pod-autoscaler", [new(["autoscaling"], ["horizontalpodautoscalers"], read), new(all, ["*/scale"], ["get", "update"])]),
            ("job-controller", [new(["batch"], ["jobs"], ["get", "list", "patch", "update", "watch"]), new([""], ["pods"], ["create", "delete", "list", "patch", "watch"])]),
            ("namespace-controller", [new([""], ["namespaces"], ["delete", "get", "list", "watch"]), new(all, all, ["delete", "deletecollection", "get", "list"])]),
            ("node-controller", [new([""], ["nodes"], ["delete", "get", "list", "patch", "update"]), new([""], ["pods"], ["delete", "list"])]),
            ("persistent-volume-binder", [new([""], ["persistentvolumes"], ["create", "delete", "get", "list", "update", "watch"]), new([""], ["pods"], ["create", "delete", "get", "list", "watch"])]),
            ("pod-garbage-collector", [new([""], ["pods"], ["delete", "list", "watch"]), new([""], ["nodes"], ["get", "list"])]),
            ("replicaset-controller", [new(["apps", "extensions"], ["replicasets"], ["get", "list", "update", "watch"]), new([""], ["pods"], ["create", "delete", "list", "patch", "watch"])]),
            ("resourcequota-controller", [new(all, all, ["list", "watch"]), new([""], ["resourcequotas/status"], ["update"])]),
            ("root-ca-cert-publisher", [new([""], ["configmaps"], ["create", "update"])]),
            ("service-account-controller", [new([""], ["serviceaccounts"], ["create"])]),
            ("statefulset-controller", [new(["apps"], ["statefulsets"], read), new([""], ["pods"], ["create", "delete", "get", "patch", "update"])]),
            ("ttl-after-finished-controller", [new(["batch"], ["jobs"], ["delete", "get", "list", "watch"])]),
            ("ttl-controller", [new([""], ["nodes"], ["list", "patch", "update", "watch"])]),
        };
        foreach (var (name, rules) in controllers)
        {
            ClusterRoles.Add(new RoleModel($"system:controller:{name}",
                [.. rules, new RuleModel(["", "events.k8s.io"], ["events"], ["create", "patch", "update"])],
                [L("kubernetes.io/bootstrapping", "rbac-defaults")]));
            ClusterRoleBindings.Add(new BindingModel($"system:controller:{name}", "ClusterRole", $"system:controller:{name}",
                [new SubjectModel("ServiceAccount", name, "kube-system")]));
        }

        var systemRoles = new (string Name, RuleModel[] Rules, SubjectModel[]? Subjects)[]
        {
            ("system:basic-user", [new(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"])], [new("Group", "system:authenticated")]),
            ("system:discovery", [new([], [], ["get"], NonResourceUrls: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])], [new("Group", "system:authenticated")]),
            ("system:public-info-viewer", [new([], [], ["get"], NonResourceUrls: ["/healthz", "/livez", "/readyz", "/version", "/version/"])], [new("Group", "system:authenticated"), new("Group", "system:unauthenticated")]),
            ("system:kube-controller-manager", [new(["", "events.k8s.io"], ["events"], ["create", "patch", "update"]), new(["coordination.k8s.io"], ["leases"], ["create", "get", "update"]), new(all, all, ["list", "watch"])], [new("User", "system:kube-controller-manager")]),
            ("system:kube-scheduler", [new([""], ["pods"], ["delete", "get", "list", "watch"]), new([""], ["bindings", "pods/binding"], ["create"]), new([""], ["nodes"], read)], [new("User", "system:kube-scheduler")]),
            ("system:kube-dns", [new([""], ["endpoints", "services"], ["list", "watch"])], [new("ServiceAccount", "kube-dns", "kube-system")]),
            ("system:node", [new([""], ["nodes"], ["create", "get", "list", "watch", "patch", "update"]), new([""], ["pods"], ["get", "list", "watch", "create", "delete"]), new([""], ["secrets", "configmaps"], ["get", "list", "watch"])], null),
            ("system:node-bootstrapper", [new(["certificates.k8s.io"], ["certificatesigningrequests"], ["create", "get", "list", "watch"])], [new("Group", "system:bootstrappers:kubeadm:default-node-token")]),
            ("system:node-proxier", [new([""], ["endpoints", "services"], ["list", "watch"]), new([""], ["nodes"], read)], [new("User", "system:kube-proxy")]),
            ("system:kubelet-api-admin", [new([""], ["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"], all)], [new("User", "kube-apiserver-kubelet-client")]),
            ("system:auth-delegator", [new(["authentication.k8s.io"], ["tokenreviews"], ["create"]), new(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"])], null),
            ("system:monitoring", [new([], [], ["get"], NonResourceUrls: ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*"])], [new("Group", "system:monitoring")]),
            ("system:service-account-issuer-discovery", [new([], [], ["get"], NonResourceUrls: ["/.well-known/openid-configuration", "/openid/v1/jwks"])], [new("Group", "system:serviceaccounts")]),
            ("system:volume-scheduler", [new([""], ["persistentvolumes"], ["get", "list", "patch", "update", "watch"]), new(["storage.k8s.io"], ["storageclasses"], read)], [new("User", "system:kube-scheduler")]),
            ("kubeadm:get-nodes", [new([""], ["nodes"], ["get"])], [new("Group", "system:bootstrappers:kubeadm:default-node-token")]),
            ("system:coredns", [new([""], ["endpoints", "services", "pods", "namespaces"], ["list", "watch"]), new(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"])], [new("ServiceAccount", "coredns", "kube-system")]),
            ("cilium", [new(["networking.k8s.io"], ["networkpolicies"], read), new([""], ["namespaces", "services", "pods", "endpoints", "nodes"], read), new(["cilium.io"], all, all)], [new("ServiceAccount", "cilium", "kube-system")]),
            ("cilium-operator", [new([""], ["pods"], ["get", "list", "watch", "delete"]), new(["cilium.io"], all, all), new(["apiextensions.k8s.io"], ["customresourcedefinitions"], ["create", "get", "list", "update", "watch"])], [new("ServiceAccount", "cilium-operator", "kube-system")]),
            ("ingress-nginx", [new([""], ["configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"], ["list", "watch"]), new(["networking.k8s.io"], ["ingresses", "ingressclasses"], read)], [new("ServiceAccount", "ingress-nginx-controller", "ingress-nginx")]),
            ("cert-manager-controller-certificates", [new(["cert-manager.io"], ["certificates", "certificates/status", "certificaterequests"], all), new([""], ["secrets"], all)], [new("ServiceAccount", "cert-manager", "cert-manager")]),
            ("cert-manager-cainjector", [new(["cert-manager.io"], ["certificates"], read), new([""], ["secrets"], read), new(["admissionregistration.k8s.io"], ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"], ["get", "list", "watch", "update", "patch"])], [new("ServiceAccount", "cert-manager-cainjector", "cert-manager")]),
            ("prometheus", [new([""], ["nodes", "nodes/metrics", "services", "endpoints", "pods"], read), new([], [], ["get"], NonResourceUrls: ["/metrics"])], [new("ServiceAccount", "prometheus", "monitoring")]),
            ("kube-state-metrics", [new(all, all, ["list", "watch"])], [new("ServiceAccount", "kube-state-metrics", "monitoring")]),
            ("fluent-bit", [new([""], ["namespaces", "pods"], read)], [new("ServiceAccount", "fluent-bit", "logging")]),
            ("falco", [new([""], ["nodes", "namespaces", "pods", "replicationcontrollers", "services", "events", "configmaps"], read), new(["apps"], ["daemonsets", "deployments", "replicasets", "statefulsets"], read)], [new("ServiceAccount", "falco", "falco")]),
            ("node-exporter", [new(["authentication.k8s.io"], ["tokenreviews"], ["create"])], [new("ServiceAccount", "node-exporter", "monitoring")]),
        };
        foreach (var (name, rules, subjects) in systemRoles)
        {
            ClusterRoles.Add(new RoleModel(name, rules,
                name.StartsWith("system:", StringComparison.Ordinal) ? [L("kubernetes.io/bootstrapping", "rbac-defaults")] : [L("app.kubernetes.io/managed-by", "Helm")]));
            if (subjects is not null)
            {
                ClusterRoleBindings.Add(new BindingModel(name, "ClusterRole", name, subjects));
            }
        }

        ClusterRoleBindings.Add(new BindingModel("cluster-admin", "ClusterRole", "cluster-admin", [new SubjectModel("Group", "system:masters")]));
        ClusterRoleBindings.Add(new BindingModel("kubeadm:cluster-admins", "ClusterRole", "cluster-admin", [new SubjectModel("Group", "kubeadm:cluster-admins")]));
        ClusterRoleBindings.Add(new BindingModel("kubeadm:node-autoapprove-bootstrap", "ClusterRole",
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient", [new SubjectModel("Group", "system:bootstrappers:kubeadm:default-node-token")]));
        ClusterRoleBindings.Add(new BindingModel("kubeadm:node-proxier", "ClusterRole", "system:node-proxier", [new SubjectModel("ServiceAccount", "kube-proxy", "kube-system")]));

        // Organisation roles: CRD access aggregated into admin/edit/view, operator roles, and a few risky grants.
        var custom = Math.Max(6, _target / 1000);
        for (var i = 0; i < custom; i++)
        {
            var team = Teams[i % Teams.Length];
            switch (_r.Weighted(40, 25, 20, 10, 5))
            {
                case 0:
                    var to = _r.Pick(["admin", "edit", "view"]);
                    ClusterRoles.Add(new RoleModel($"{team}-crds-{to}-{i}",
                        [new RuleModel([$"{team}.example.com"], ["widgets", "widgets/status", "gadgets"], to == "view" ? read : read.Concat(write).ToArray())],
                        [L($"rbac.authorization.k8s.io/aggregate-to-{to}", "true")]));
                    break;
                case 1:
                    ClusterRoles.Add(new RoleModel($"{team}-operator-{i}",
                        [new RuleModel([$"{team}.example.com"], all, all), new RuleModel([""], ["pods", "services", "configmaps", "secrets"], all),
                            new RuleModel(["apps"], ["deployments", "statefulsets"], all)]));
                    ClusterRoleBindings.Add(new BindingModel($"{team}-operator-{i}", "ClusterRole", $"{team}-operator-{i}",
                        [new SubjectModel("ServiceAccount", $"{team}-operator", "platform-operators")]));
                    break;
                case 2:
                    ClusterRoles.Add(new RoleModel($"{team}-namespace-viewer-{i}", [new RuleModel([""], ["namespaces"], read)]));
                    ClusterRoleBindings.Add(new BindingModel($"{team}-namespace-viewer-{i}", "ClusterRole", $"{team}-namespace-viewer-{i}",
                        [new SubjectModel("Group", $"oidc:{team}-developers")]));
                    break;
                case 3:
                    ClusterRoles.Add(new RoleModel($"{team}-superuser-{i}", [new RuleModel(all, all, all)]));
                    ClusterRoleBindings.Add(new BindingModel($"{team}-superuser-{i}", "ClusterRole", $"{team}-superuser-{i}",
                        [new SubjectModel("User", $"{team}-admin@example.com")]));
                    break;
                default:
                    ClusterRoleBindings.Add(new BindingModel($"ci-{team}-cluster-admin-{i}", "ClusterRole", "cluster-admin",
                        [new SubjectModel("ServiceAccount", "ci-deployer", $"{team}-prod-0")]));
                    break;
            }
        }

        ClusterRoleBindings.Add(new BindingModel("legacy-dashboard", "ClusterRole", "cluster-admin",
            [new SubjectModel("ServiceAccount", "kubernetes-dashboard", "kubernetes-dashboard")]));
        ClusterRoleBindings.Add(new BindingModel("anonymous-health", "ClusterRole", "view", [new SubjectModel("User", "system:anonymous")]));
    }
}
