//! Functions: PostgreSQL built-ins that read nothing but their arguments are allowed; anything
//! else (built-ins that run SQL text, read files, reach other sessions or shared state, and every
//! function the rewriter cannot see into) only when the catalog allows it by name.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use sqlparser::ast::{FunctionArg, ObjectName, ObjectNamePart};

use super::{Policy, settings};
use crate::error::{Error, RefusalKind};
use crate::rewrite::scope::fold;

/// The built-in allow-list by category, names separated by spaces (the categories are for
/// `docs/rewriter.md`, which lists them; a unit test keeps the two in step). Every function here computes its result from its
/// arguments (and, for aggregates and window functions, the rows the statement already scoped):
/// none runs SQL text, reads a relation by name, touches files, large objects, sequences,
/// settings or other sessions.
pub(super) const BUILTINS: &[(&str, &str)] = &[
    (
        "Math",
        "abs acos acosd acosh asin asind asinh atan atan2 atan2d atand atanh cbrt ceil ceiling cos \
         cosd cosh cot cotd degrees div exp factorial floor gcd lcm ln log log10 min_scale \
         mod pi pow power radians random random_normal round scale sign sin sind sinh sqrt tan tand \
         tanh trim_scale trunc width_bucket",
    ),
    (
        "Strings and bytes",
        "ascii bit_count bit_length btrim char_length character_length chr concat concat_ws convert \
         convert_from convert_to decode encode get_bit get_byte initcap left length lower lpad \
         ltrim md5 normalize octet_length overlay parse_ident position quote_ident quote_literal \
         quote_nullable repeat replace reverse right rpad rtrim set_bit set_byte sha224 sha256 \
         sha384 sha512 split_part starts_with strpos substr substring to_ascii to_bin to_hex to_oct \
         translate trim unistr upper",
    ),
    (
        "Pattern matching",
        "regexp_count regexp_instr regexp_like regexp_match regexp_matches regexp_replace \
         regexp_split_to_array regexp_split_to_table regexp_substr",
    ),
    (
        "Formatting",
        "format pg_size_bytes pg_size_pretty to_char to_date to_number",
    ),
    (
        "Date and time",
        "age clock_timestamp current_date current_time current_timestamp date_add date_bin \
         date_part date_subtract date_trunc extract isfinite justify_days justify_hours \
         justify_interval localtime localtimestamp make_date make_interval make_time make_timestamp \
         make_timestamptz now statement_timestamp timeofday timezone to_timestamp \
         transaction_timestamp",
    ),
    (
        "UUID",
        "gen_random_uuid uuid_extract_timestamp uuid_extract_version",
    ),
    (
        "JSON",
        "array_to_json json_agg json_agg_strict json_array_elements json_array_elements_text \
         json_array_length json_build_array json_build_object json_each json_each_text \
         json_extract_path json_extract_path_text json_object json_object_agg \
         json_object_agg_strict json_object_agg_unique json_object_agg_unique_strict \
         json_object_keys json_populate_record json_populate_recordset json_strip_nulls \
         json_to_record json_to_recordset json_typeof jsonb_agg jsonb_agg_strict \
         jsonb_array_elements jsonb_array_elements_text jsonb_array_length jsonb_build_array \
         jsonb_build_object jsonb_each jsonb_each_text jsonb_extract_path jsonb_extract_path_text \
         jsonb_insert jsonb_object jsonb_object_agg jsonb_object_agg_strict jsonb_object_agg_unique \
         jsonb_object_agg_unique_strict jsonb_object_keys jsonb_path_exists jsonb_path_exists_tz \
         jsonb_path_match jsonb_path_match_tz jsonb_path_query jsonb_path_query_array \
         jsonb_path_query_array_tz jsonb_path_query_first jsonb_path_query_first_tz \
         jsonb_path_query_tz jsonb_populate_record jsonb_populate_recordset jsonb_pretty jsonb_set \
         jsonb_set_lax jsonb_strip_nulls jsonb_to_record jsonb_to_recordset jsonb_typeof \
         row_to_json to_json to_jsonb",
    ),
    (
        "Arrays",
        "array array_agg array_append array_cat array_dims array_fill array_length array_lower \
         array_ndims array_position array_positions array_prepend array_remove array_replace \
         array_sample array_shuffle array_to_string array_upper cardinality generate_subscripts \
         string_to_array string_to_table trim_array unnest",
    ),
    (
        "Ranges",
        "datemultirange daterange int4multirange int4range int8multirange int8range isempty \
         lower_inc lower_inf multirange nummultirange numrange range_agg range_intersect_agg \
         range_merge tsmultirange tsrange tstzmultirange tstzrange upper_inc upper_inf",
    ),
    (
        "Network addresses",
        "abbrev broadcast family host hostmask inet_merge inet_same_family macaddr8_set7bit masklen \
         netmask network set_masklen",
    ),
    (
        "Text search",
        "array_to_tsvector get_current_ts_config json_to_tsvector jsonb_to_tsvector numnode \
         phraseto_tsquery plainto_tsquery querytree setweight strip to_tsquery to_tsvector \
         ts_delete ts_filter ts_headline ts_rank ts_rank_cd tsquery_phrase tsvector_to_array \
         websearch_to_tsquery",
    ),
    (
        "XML",
        "xml_is_well_formed xml_is_well_formed_content xml_is_well_formed_document xmlagg \
         xmlcomment xmlconcat xmltext xpath xpath_exists",
    ),
    (
        "Aggregates",
        "any_value avg bit_and bit_or bit_xor bool_and bool_or corr count covar_pop covar_samp \
         every grouping max min mode percentile_cont percentile_disc regr_avgx regr_avgy regr_count \
         regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy stddev stddev_pop stddev_samp \
         string_agg sum var_pop var_samp variance",
    ),
    (
        "Window functions",
        "cume_dist dense_rank first_value lag last_value lead nth_value ntile percent_rank rank \
         row_number",
    ),
    (
        "Conditional",
        "coalesce greatest least nullif num_nonnulls num_nulls",
    ),
    ("Series", "generate_series"),
    (
        "Types, casts and constructors",
        "bool bpchar cidr date enum_first enum_last enum_range float4 float8 format_type int2 \
         int4 int8 interval macaddr numeric pg_input_error_info pg_input_is_valid pg_typeof row \
         text time timestamp timestamptz timetz varchar",
    ),
    (
        "Session information",
        "current_catalog current_database current_role current_schema current_schemas \
         current_setting current_user pg_backend_pid session_user system_user user version",
    ),
];

/// Allowed names that PostgreSQL's grammar reads as syntax when unquoted (`COALESCE(...)`,
/// `CURRENT_DATE`, `ROW(...)`): quoted, they name an ordinary function, which `pg_catalog` does
/// not define, so `"coalesce"(x)` would call whatever function of that name the database has.
const SYNTAX_ONLY: [&str; 18] = [
    "array",
    "coalesce",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "greatest",
    "grouping",
    "least",
    "localtime",
    "localtimestamp",
    "nullif",
    "row",
    "system_user",
    "trim",
    "user",
    "xmlconcat",
];

static ALLOWED: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    BUILTINS
        .iter()
        .flat_map(|(_, names)| names.split_whitespace())
        .collect()
});

/// Why a family of built-ins is refused: what it reaches that the rewriter cannot scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    RunsSql,
    Files,
    Sessions,
    Relations,
    Sequences,
    Locks,
    Sleep,
    Notify,
}

impl Family {
    /// The family of `name` (unqualified or `pg_catalog.`, folded), if it is a known one.
    fn of(name: &str) -> Option<Self> {
        let prefixed = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
        let family = match name {
            "query_to_xml"
            | "query_to_xml_and_xmlschema"
            | "query_to_xmlschema"
            | "ts_stat"
            | "ts_rewrite"
            | "crosstab"
            | "connectby"
            | "master_run_on_worker" => Self::RunsSql,
            _ if prefixed(&[
                "table_to_xml",
                "schema_to_xml",
                "database_to_xml",
                "cursor_to_xml",
                "dblink",
                "run_command_on_",
                "crosstab",
            ]) =>
            {
                Self::RunsSql
            }
            "pg_read_file" | "pg_read_binary_file" | "pg_stat_file" | "loread" | "lowrite" => {
                Self::Files
            }
            _ if prefixed(&["pg_ls_", "lo_", "pg_file_"]) => Self::Files,
            "pg_terminate_backend"
            | "pg_cancel_backend"
            | "pg_signal_backend"
            | "pg_blocking_pids"
            | "pg_safe_snapshot_blocking_pids" => Self::Sessions,
            _ if prefixed(&["pg_stat_", "pg_log_backend"]) => Self::Sessions,
            "to_regclass" | "pg_get_serial_sequence" => Self::Relations,
            _ if prefixed(&["pg_relation_"]) => Self::Relations,
            _ if name.starts_with("pg_") && name.ends_with("_size") => Self::Relations,
            "nextval" | "setval" | "currval" | "lastval" => Self::Sequences,
            _ if prefixed(&["pg_advisory_", "pg_try_advisory_"]) => Self::Locks,
            "pg_sleep" | "pg_sleep_for" | "pg_sleep_until" => Self::Sleep,
            "pg_notify" => Self::Notify,
            _ => return None,
        };
        Some(family)
    }

    fn reason(self) -> &'static str {
        match self {
            Self::RunsSql => {
                "runs SQL text the rewriter cannot see, so it could read other tenants' rows"
            }
            Self::Files => "reads or writes files or large objects, which belong to no tenant",
            Self::Sessions => {
                "signals or inspects other sessions, which may be serving other tenants"
            }
            Self::Relations => {
                "reads a relation by name or its statistics, which cover every tenant's rows"
            }
            Self::Sequences => {
                "reads or moves a sequence shared by every tenant, which reveals their activity"
            }
            Self::Locks => {
                "takes advisory locks, whose keys every tenant shares: a channel between tenants"
            }
            Self::Sleep => "holds a pooled connection idle, which other tenants wait for",
            Self::Notify => "sends a notification any session may listen to, whatever its tenant",
        }
    }
}

/// Why a function named `name` (folded, in any schema) may never be allowed, not even by the
/// catalog: a predicate of the function ("runs SQL text ...").
pub(crate) fn never_allowed_function(name: &str) -> Option<&'static str> {
    match (name, Family::of(name)) {
        (_, Some(Family::RunsSql)) => Some(Family::RunsSql.reason()),
        ("set_config", _) => Some(
            "changes session settings; allow the settings it may change with `allow_setting` \
             instead",
        ),
        _ => None,
    }
}

impl Policy<'_> {
    /// Checks a call of `name` with `args` (`None` when the arguments are a subquery).
    pub(super) fn call(
        &self,
        name: &ObjectName,
        args: Option<&[FunctionArg]>,
    ) -> Result<(), Error> {
        let Some((schema, function)) = function_path(name) else {
            return Err(self.refused(
                RefusalKind::Function,
                None,
                &format!(
                    "function {name} is not supported: call functions as `function(...)` or \
                     `schema.function(...)`"
                ),
            ));
        };
        let builtin_schema = schema.is_none() || schema.as_deref() == Some("pg_catalog");
        if builtin_schema && function == "set_config" {
            return settings::check_set_config(self, args);
        }
        let quoted = name
            .0
            .last()
            .and_then(ObjectNamePart::as_ident)
            .is_some_and(|ident| ident.quote_style.is_some());
        let syntax_quoted = quoted && SYNTAX_ONLY.contains(&&*function);
        if builtin_schema && !syntax_quoted && ALLOWED.contains(&*function) {
            return Ok(());
        }
        if self.catalog.allows_function(schema.as_deref(), &function) {
            return Ok(());
        }
        // A user function may share a built-in's name; only the extensions that run SQL text
        // (dblink, tablefunc) are known by name in any schema.
        let family =
            Family::of(&function).filter(|family| builtin_schema || *family == Family::RunsSql);
        Err(self.refuse_function(name, family))
    }

    fn refuse_function(&self, name: &ObjectName, family: Option<Family>) -> Error {
        let spelled = name.to_string();
        let reason = match family {
            Some(Family::RunsSql) => format!(
                "function {spelled} {}; run such statements outside a tenant scope with \
                 `unscoped` if they are admin work",
                Family::RunsSql.reason()
            ),
            Some(family) => format!(
                "function {spelled} {}; if this is safe for your application, allow it with \
                 `Catalog::builder().allow_function({spelled:?})` or `[allow] functions = \
                 [{spelled:?}]`",
                family.reason()
            ),
            None => format!(
                "function {spelled} is not on the rewriter's allow-list: the rewriter cannot see \
                 what it reads or writes, so it could reach other tenants' rows; if it reads \
                 nothing but its arguments (or only the current tenant's rows), allow it with \
                 `Catalog::builder().allow_function({spelled:?})` or `[allow] functions = \
                 [{spelled:?}]`"
            ),
        };
        self.refused(RefusalKind::Function, None, &reason)
    }
}

/// The folded (schema, name) of a function name: `name` or `schema.name`.
fn function_path(name: &ObjectName) -> Option<(Option<Cow<'_, str>>, Cow<'_, str>)> {
    fn ident(part: &ObjectNamePart) -> Option<Cow<'_, str>> {
        part.as_ident().map(fold)
    }
    match name.0.as_slice() {
        [function] => Some((None, ident(function)?)),
        [schema, function] => Some((Some(ident(schema)?), ident(function)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_allowed_builtin_belongs_to_a_refused_family() {
        for (category, names) in BUILTINS {
            for name in names.split_whitespace() {
                assert_eq!(Family::of(name), None, "{category}: {name}");
                assert_ne!(name, "set_config");
            }
        }
    }

    #[test]
    fn syntax_only_names_are_allowed_names() {
        assert!(SYNTAX_ONLY.is_sorted());
        for name in SYNTAX_ONLY {
            assert!(ALLOWED.contains(name), "{name}");
        }
    }

    #[test]
    fn categories_are_sorted_and_disjoint() {
        let mut seen = HashSet::new();
        for (category, names) in BUILTINS {
            let names: Vec<&str> = names.split_whitespace().collect();
            assert!(names.is_sorted(), "{category} is not sorted");
            for name in names {
                assert!(seen.insert(name), "{name} is listed twice");
            }
        }
    }

    #[test]
    fn families_cover_the_refused_builtins() {
        let cases = [
            ("query_to_xml_and_xmlschema", Family::RunsSql),
            ("table_to_xmlschema", Family::RunsSql),
            ("cursor_to_xml", Family::RunsSql),
            ("dblink_exec", Family::RunsSql),
            ("run_command_on_shards", Family::RunsSql),
            ("pg_ls_dir", Family::Files),
            ("lo_import", Family::Files),
            ("pg_stat_get_activity", Family::Sessions),
            ("pg_total_relation_size", Family::Relations),
            ("pg_relation_filepath", Family::Relations),
            ("setval", Family::Sequences),
            ("pg_try_advisory_xact_lock_shared", Family::Locks),
            ("pg_sleep_for", Family::Sleep),
            ("pg_notify", Family::Notify),
        ];
        for (name, family) in cases {
            assert_eq!(Family::of(name), Some(family), "{name}");
        }
        assert_eq!(Family::of("pg_size_pretty"), None);
    }

    /// `docs/rewriter.md` lists the built-in allow-list; it must list exactly the code's.
    #[test]
    fn the_docs_list_every_allowed_builtin() {
        let docs = include_str!("../../../../../docs/rewriter.md");
        let section = docs
            .split("<!-- allowed-functions:start -->")
            .nth(1)
            .and_then(|rest| rest.split("<!-- allowed-functions:end -->").next())
            .expect("docs/rewriter.md marks the allowed-functions list");
        let mut listed: Vec<&str> = section.split('`').skip(1).step_by(2).collect();
        listed.sort_unstable();
        let mut code: Vec<&str> = ALLOWED.iter().copied().collect();
        code.sort_unstable();
        assert_eq!(listed, code);
    }
}
