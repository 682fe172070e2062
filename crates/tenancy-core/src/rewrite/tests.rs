use super::*;

fn catalog() -> Catalog {
    Catalog::builder()
        .tenant_table_by("accounts", "id")
        .tenant_table("tasks")
        .tenant_table("projects")
        .tenant_table_by("comments", "org_id")
        .tenant_table("app.events")
        .tenant_table("\"Mixed\"")
        .reference_table("plans")
        .build()
        .expect("test catalog is valid")
}

#[test]
fn scratch_print() {
    let r = Rewriter::new(catalog());
    for sql in std::env::var("SQLS").unwrap_or_default().split(" ;; ") {
        if sql.trim().is_empty() {
            continue;
        }
        match r.rewrite(sql) {
            Ok(x) => println!("IN : {sql}\nOUT: {}  [{:?}]\n", x.sql(), x.tenant_param()),
            Err(e) => println!("IN : {sql}\nERR: {e}\n"),
        }
    }
}
