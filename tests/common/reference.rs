//! Reading ../shared/reference test vectors (copied to tests/reference/, see its README.md).

use std::path::PathBuf;

use ndarray::Array2;
use serde_json::Value;

/// The cases of one reference file, e.g. `cases("01_mmd.json")`.
pub fn cases(file: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let root: Value = serde_json::from_str(&text).unwrap();
    root["cases"].as_array().expect("cases").clone()
}

/// A number, accepting the strings "inf", "-inf" and "nan" the files use for non-finite values.
pub fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.as_str() {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            other => other
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {other}")),
        },
        Value::Bool(b) => f64::from(u8::from(*b)),
        other => panic!("not a number: {other}"),
    }
}

pub fn vector(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

/// Row-major list of lists -> rows x cols.
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("matrix").iter().map(vector).collect();
    let (n, d) = (rows.len(), rows.first().map_or(0, Vec::len));
    Array2::from_shape_vec((n, d), rows.into_iter().flatten().collect()).expect("rectangular")
}

pub fn matrix_f32(v: &Value) -> Array2<f32> {
    matrix(v).mapv(|x| x as f32)
}

/// (rtol, atol) of a tolerance entry; "exact" is (0, 0).
pub fn tolerance(case: &Value, key: &str) -> (f64, f64) {
    match &case["tolerance"][key] {
        Value::Object(o) => (num(&o["rtol"]), num(&o["atol"])),
        Value::String(s) if s == "exact" => (0.0, 0.0),
        Value::Number(n) => (0.0, n.as_f64().unwrap()),
        other => panic!("{}: no tolerance '{key}': {other}", case["name"]),
    }
}

/// |got - expected| <= atol + rtol * |expected| (NaN equals NaN, infinities must match).
pub fn assert_close(got: f64, expected: f64, (rtol, atol): (f64, f64), what: &str) {
    let ok = if expected.is_nan() {
        got.is_nan()
    } else if expected.is_infinite() {
        got == expected
    } else {
        (got - expected).abs() <= atol + rtol * expected.abs()
    };
    assert!(
        ok,
        "{what}: got {got:e}, expected {expected:e} (rtol {rtol:e}, atol {atol:e})"
    );
}
