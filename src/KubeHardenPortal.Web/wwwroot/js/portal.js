// Small helpers called from Blazor through JS interop. No inline scripts (CSP: script-src 'self').
window.khp = {
    setTheme: function (mode) {
        document.cookie = "khp-theme=" + (mode === "dark" ? "dark" : "light") + "; path=/; max-age=31536000; samesite=lax";
        document.body.classList.toggle("khp-dark", mode === "dark");
        document.body.classList.toggle("khp-light", mode !== "dark");
    }
};
