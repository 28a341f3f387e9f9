//! The module graph has one direction: no top-level module of `src/` reaches back to one that
//! (directly or through others) uses it. Read from the `crate::` paths in the source, test
//! modules left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module -> the top-level modules its non-test code names through `crate::`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let first = relative.components().next().unwrap();
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if matches!(module.as_str(), "main" | "lib") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            let targets = graph.entry(module.clone()).or_default();
            for (i, _) in code.match_indices("crate::") {
                let name: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    targets.insert(name);
                }
            }
        }
    }
    graph
}

/// The modules on some cycle, each with the path back to itself.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut found = Vec::new();
    for start in graph.keys() {
        // Breadth-first from `start`'s targets, remembering the way, until `start` is reached.
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue: std::collections::VecDeque<&str> = graph[start]
            .iter()
            .map(|t| {
                previous.insert(t.as_str(), start.as_str());
                t.as_str()
            })
            .collect();
        while let Some(node) = queue.pop_front() {
            if node == start {
                let mut path = vec![start.as_str()];
                let mut at = previous[start.as_str()];
                while at != start {
                    path.push(at);
                    at = previous[at];
                }
                path.push(start);
                path.reverse();
                found.push(path.join(" -> "));
                break;
            }
            for next in graph.get(node).into_iter().flatten() {
                if !previous.contains_key(next.as_str()) {
                    previous.insert(next.as_str(), node);
                    queue.push_back(next.as_str());
                }
            }
        }
    }
    found
}

#[test]
fn top_level_modules_depend_in_one_direction() {
    let graph = module_graph(&crate::common::repo_root().join("src"));
    assert!(graph.len() > 10, "read the modules: {graph:?}");
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles between top-level modules:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let edge = |g: &mut BTreeMap<String, BTreeSet<String>>, a: &str, b: &str| {
        g.entry(a.into()).or_default().insert(b.into());
        g.entry(b.into()).or_default();
    };
    edge(&mut graph, "app", "report");
    edge(&mut graph, "report", "stats");
    assert!(cycles(&graph).is_empty());
    edge(&mut graph, "stats", "app");
    assert!(cycles(&graph).contains(&"app -> report -> stats -> app".to_string()));
}
