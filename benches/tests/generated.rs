//! The generated benchmark policies are valid and clean: a benchmark of a
//! policy that does not check would measure the error path.

#[test]
fn generated_policy_checks_clean() {
    for lines in [100, 2_000, 10_000] {
        let text = guard_benches::policy(lines);
        let n = text.lines().count();
        assert!(n <= lines && n + 40 > lines, "{lines} -> {n} lines");
        let checked = guard_check::check_source("generated.guard", &text, &guard_check::RealFs);
        let found: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        assert!(checked.diagnostics.is_empty(), "{found:#?}");
    }
}
