-- The benchmark's baseline: ONE hand-written DuckDB script, run in ONE connection, that computes the five release
-- datasets of the data contract (section 2.1-2.5, restricted tier: unsuppressed, indicators numeric, NULL where
-- `x` / `z` applies) straight from the landing CSV files. It is what a careful analyst would write without the
-- warehouse: no lineage, no quality outputs, no audit trail, no report. Policy is read from the same seed CSVs
-- the dbt project loads (never repeated here): code lists, landing columns, timescale rules, bank holidays, age
-- and review bands, publication settings, LA reference.
--
-- Parameters (DuckDB variables, set before running):
--   landing  the landing folder (one sub-folder per feed)
--   seeds    dbt_project/seeds
--   as_of    YYYY-MM-DD: the date "in progress, overdue" is judged at
-- Output: tables release_child_characteristics, release_review_timeliness, release_review_evaluations,
--   release_notifications_by_area, release_review_characteristics (bench.py writes them to CSV).

-- ============================================================================================== policy (seeds)
CREATE OR REPLACE TEMP TABLE landing_columns AS
SELECT * FROM read_csv(getvariable('seeds') || '/policy/landing_columns.csv', all_varchar = true);
CREATE OR REPLACE TEMP TABLE code_lists AS
SELECT code_list, code, label, publication_group, sort_order::INTEGER AS sort_order
FROM read_csv(getvariable('seeds') || '/policy/code_lists.csv', all_varchar = true);
CREATE OR REPLACE TEMP TABLE timescale_rules AS
SELECT rule, applies_from::DATE AS applies_from, applies_to::DATE AS applies_to, measured_from,
       amount::INTEGER AS amount, unit
FROM read_csv(getvariable('seeds') || '/policy/timescale_rules.csv', all_varchar = true);
CREATE OR REPLACE TEMP TABLE bank_holidays AS
SELECT holiday_date::DATE AS holiday_date
FROM read_csv(getvariable('seeds') || '/policy/bank_holidays.csv', all_varchar = true);
CREATE OR REPLACE TEMP TABLE age_bands AS
SELECT band_set, band, min_months::INTEGER AS min_months, max_months::INTEGER AS max_months,
       sort_order::INTEGER AS sort_order
FROM read_csv(getvariable('seeds') || '/policy/age_bands.csv', all_varchar = true);
CREATE OR REPLACE TEMP TABLE ref_las AS
SELECT new_la_code, la_name, old_la_code, parent_geography_code AS region_code,
       strptime(date_of_operation, '%d/%m/%Y')::DATE AS valid_from,
       try_strptime(date_of_termination, '%d/%m/%Y')::DATE AS valid_to
FROM read_csv(getvariable('seeds') || '/reference/ref_las.csv', all_varchar = true)
WHERE new_la_code NOT LIKE '% / %' AND lower(new_la_code) <> 'z';
CREATE OR REPLACE TEMP TABLE ref_regions AS
SELECT DISTINCT region_code, region_name
FROM read_csv(getvariable('seeds') || '/reference/ref_region_la_hierarchy.csv', all_varchar = true);

-- A date in the contract's landing formats (ISO YYYY-MM-DD or DD/MM/YYYY); NULL when missing or impossible.
CREATE OR REPLACE TEMP MACRO landing_date(v) AS CASE
    WHEN regexp_full_match(v, '\d{4}-\d{2}-\d{2}') THEN try_strptime(v, '%Y-%m-%d')::DATE
    WHEN regexp_full_match(v, '\d{2}/\d{2}/\d{4}') THEN try_strptime(v, '%d/%m/%Y')::DATE
END;
CREATE OR REPLACE TEMP MACRO landing_int(v) AS
    CASE WHEN regexp_full_match(v, '[+-]?[0-9]{1,9}') THEN try_cast(v AS INTEGER) END;
-- A whole number within the range landing_columns gives the column (either bound may be open); else NULL.
CREATE OR REPLACE TEMP MACRO typed_int(feed_name, col, x) AS CASE
    WHEN landing_int(x) >= coalesce((SELECT min_value::INTEGER FROM landing_columns
                                     WHERE feed = feed_name AND column_name = col), landing_int(x))
     AND landing_int(x) <= coalesce((SELECT max_value::INTEGER FROM landing_columns
                                     WHERE feed = feed_name AND column_name = col), landing_int(x))
    THEN landing_int(x) END;
-- A date or timestamp (corrections.corrected_at): ISO timestamp, ISO date or DD/MM/YYYY.
CREATE OR REPLACE TEMP MACRO landing_timestamp(v) AS CASE
    WHEN regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?')
        THEN try_cast(v AS TIMESTAMP)
    ELSE landing_date(v)::TIMESTAMP
END;
-- Financial year as six digits: 200910 = April 2009 - March 2010.
CREATE OR REPLACE TEMP MACRO fin_year(d) AS
    (year(d) - CASE WHEN month(d) < 4 THEN 1 ELSE 0 END) * 100
    + (year(d) - CASE WHEN month(d) < 4 THEN 1 ELSE 0 END + 1) % 100;
CREATE OR REPLACE TEMP MACRO code_ok(list_name, v) AS
    v IN (SELECT code FROM code_lists WHERE code_list = list_name);

CREATE OR REPLACE TEMP TABLE settings AS
SELECT setting, value FROM read_csv(getvariable('seeds') || '/policy/publication_settings.csv', all_varchar = true);
CREATE OR REPLACE TEMP MACRO setting(name) AS (SELECT value FROM settings WHERE setting = name);
-- An event date in the plausible window: from publication_settings.earliest_plausible_date to the as-of date.
CREATE OR REPLACE TEMP MACRO in_window(d) AS
    d >= setting('earliest_plausible_date')::DATE AND d <= getvariable('as_of')::DATE;

-- ============================================================================================== landing files
-- File-level acceptance as the contract's general rules: a .csv file, UTF-8, not binary, not empty, with every
-- required column (names case-insensitive, surrounding spaces ignored) and no contract column twice. The same
-- content twice (same hash) is loaded once: the first file by name.
CREATE OR REPLACE TEMP TABLE landing_files AS
WITH known AS (
    SELECT feed, list(column_name) AS cols, list(column_name) FILTER (WHERE required = 'Y') AS required_cols
    FROM landing_columns GROUP BY feed
), f AS (
    SELECT parse_filename(parse_dirpath(filename)) AS feed, parse_filename(filename) AS file_name,
           md5(content) AS content_hash, try(decode(content)) AS text,
           contains(content::VARCHAR, '\x00') AS has_nul
    FROM read_blob(getvariable('landing') || '/*/*')
), h AS (
    SELECT f.*, k.cols, k.required_cols,
           list_transform(
               string_split(rtrim(split_part(ltrim(ltrim(coalesce(text, ''), chr(65279)), E'\r\n'), E'\n', 1), E'\r'),
                            ','),
               lambda x: lower(trim(trim(x), '"'))) AS header
    FROM f JOIN known k USING (feed)
)
SELECT feed, file_name,
       lower(file_name) LIKE '%.csv' AND NOT starts_with(file_name, '.')
       AND NOT has_nul AND text IS NOT NULL AND regexp_matches(text, '[^\s\x{FEFF}]')
       AND len(list_filter(required_cols, lambda c: NOT list_contains(header, c))) = 0
       AND len(list_filter(header, lambda x: list_contains(cols, x)))
           = len(list_distinct(list_filter(header, lambda x: list_contains(cols, x))))
       AS accepted,
       row_number() OVER (PARTITION BY feed, content_hash ORDER BY file_name) = 1 AS first_of_content
FROM h;

-- Every record of a feed's files as a list of cells, with its file's header (names lower-case, trimmed). Read
-- without a header and padded to 40 cells: an empty cell is '' and a missing one NULL, so a record whose number of
-- fields differs from its header's is recognised (the ingest rejects it). Values trimmed, empty -> NULL.
CREATE OR REPLACE TEMP MACRO landing_records(feed_name) AS TABLE
WITH cells AS (
    SELECT parse_filename(filename) AS file_name, row_number() OVER () AS rn,
           list_filter([c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, c23, c24, c25, c26, c27, c28, c29, c30, c31, c32, c33, c34, c35, c36, c37, c38, c39], lambda x: x IS NOT NULL) AS cells
    FROM read_csv(getvariable('landing') || '/' || feed_name || '/*', header = false, auto_detect = false,
                  delim = ',', quote = '"', escape = '"', parallel = false, null_padding = true,
                  nullstr = '<<padding: no such field>>', ignore_errors = true, filename = true,
                  columns = {'c00': 'VARCHAR', 'c01': 'VARCHAR', 'c02': 'VARCHAR', 'c03': 'VARCHAR', 'c04': 'VARCHAR', 'c05': 'VARCHAR', 'c06': 'VARCHAR', 'c07': 'VARCHAR', 'c08': 'VARCHAR', 'c09': 'VARCHAR', 'c10': 'VARCHAR', 'c11': 'VARCHAR', 'c12': 'VARCHAR', 'c13': 'VARCHAR', 'c14': 'VARCHAR', 'c15': 'VARCHAR', 'c16': 'VARCHAR', 'c17': 'VARCHAR', 'c18': 'VARCHAR', 'c19': 'VARCHAR', 'c20': 'VARCHAR', 'c21': 'VARCHAR', 'c22': 'VARCHAR', 'c23': 'VARCHAR', 'c24': 'VARCHAR', 'c25': 'VARCHAR', 'c26': 'VARCHAR', 'c27': 'VARCHAR', 'c28': 'VARCHAR', 'c29': 'VARCHAR', 'c30': 'VARCHAR', 'c31': 'VARCHAR', 'c32': 'VARCHAR', 'c33': 'VARCHAR', 'c34': 'VARCHAR', 'c35': 'VARCHAR', 'c36': 'VARCHAR', 'c37': 'VARCHAR', 'c38': 'VARCHAR', 'c39': 'VARCHAR'})
), numbered AS (
    SELECT *, row_number() OVER (PARTITION BY file_name ORDER BY rn) AS line_in_file FROM cells
), headers AS (
    SELECT file_name, list_transform(cells, lambda x: lower(trim(x, ' ' || chr(65279)))) AS header
    FROM numbered WHERE line_in_file = 1
)
SELECT n.file_name, n.rn, h.header, n.cells
FROM numbered n JOIN headers h USING (file_name)
WHERE n.line_in_file > 1 AND len(n.cells) = len(h.header);
CREATE OR REPLACE TEMP MACRO v(x) AS nullif(trim(x), '');
-- The trimmed value of a named column of a record (NULL when empty or when the file has no such column).
CREATE OR REPLACE TEMP MACRO cell(header, cells, name) AS v(cells[list_position(header, name)]);

CREATE OR REPLACE TEMP TABLE notif_raw AS
SELECT file_name, rn,
       cell(header, cells, 'notification_id') AS notification_id, cell(header, cells, 'incident_id') AS incident_id, cell(header, cells, 'la_code') AS la_code,
       cell(header, cells, 'incident_date') AS incident_date, cell(header, cells, 'la_aware_date') AS la_aware_date,
       cell(header, cells, 'notified_date') AS notified_date, cell(header, cells, 'incident_type') AS incident_type, cell(header, cells, 'suicide') AS suicide,
       cell(header, cells, 'harm_category') AS harm_category, cell(header, cells, 'child_sex') AS child_sex,
       cell(header, cells, 'child_age_months') AS child_age_months, cell(header, cells, 'child_ethnicity') AS child_ethnicity,
       cell(header, cells, 'disability') AS disability, cell(header, cells, 'known_to_csc') AS known_to_csc, cell(header, cells, 'cin_status') AS cin_status,
       cell(header, cells, 'cp_plan') AS cp_plan, cell(header, cells, 'legal_status') AS legal_status
FROM landing_records('notifications');

CREATE OR REPLACE TEMP TABLE review_raw AS
SELECT file_name, rn,
       cell(header, cells, 'review_id') AS review_id, cell(header, cells, 'incident_id') AS incident_id, cell(header, cells, 'lscb_la_code') AS lscb_la_code,
       cell(header, cells, 'chair_aware_date') AS chair_aware_date, cell(header, cells, 'decision_date') AS decision_date,
       cell(header, cells, 'decision') AS decision, cell(header, cells, 'status') AS status,
       cell(header, cells, 'agreed_completion_date') AS agreed_completion_date, cell(header, cells, 'completion_date') AS completion_date,
       cell(header, cells, 'author_status') AS author_status, cell(header, cells, 'report_pages') AS report_pages,
       cell(header, cells, 'recommendations') AS recommendations, cell(header, cells, 'action_points') AS action_points,
       cell(header, cells, 'family_contributed') AS family_contributed
FROM landing_records('reviews');

CREATE OR REPLACE TEMP TABLE eval_raw AS
SELECT file_name, rn,
       cell(header, cells, 'evaluation_id') AS evaluation_id, cell(header, cells, 'review_id') AS review_id,
       cell(header, cells, 'evaluation_date') AS evaluation_date, cell(header, cells, 'grade') AS grade
FROM landing_records('evaluations');

CREATE OR REPLACE TEMP TABLE corr_raw AS
SELECT file_name, rn,
       cell(header, cells, 'correction_id') AS correction_id, cell(header, cells, 'feed') AS feed, cell(header, cells, 'record_id') AS record_id,
       cell(header, cells, 'column_name') AS column_name, cell(header, cells, 'new_value') AS new_value, cell(header, cells, 'reason') AS reason,
       cell(header, cells, 'steward') AS steward, cell(header, cells, 'corrected_at') AS corrected_at
FROM landing_records('corrections');

CREATE OR REPLACE TEMP TABLE pop_raw AS
SELECT file_name, rn,
       cell(header, cells, 'la_code') AS la_code, cell(header, cells, 'year') AS year, cell(header, cells, 'population_0_17') AS population_0_17
FROM landing_records('population');

-- ============================================================================================== current versions
-- Within a file the first row of an identifier counts (a repeat is rejected); across files the last file by
-- name supersedes; rows without an identifier are rejected; only accepted files count.
CREATE OR REPLACE TEMP TABLE notif_cur AS
SELECT * FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r.file_name, r.notification_id ORDER BY r.rn) AS k
    FROM notif_raw r
    JOIN landing_files f ON f.feed = 'notifications' AND f.file_name = r.file_name AND f.accepted AND f.first_of_content
    WHERE r.notification_id IS NOT NULL
) WHERE k = 1
QUALIFY row_number() OVER (PARTITION BY notification_id ORDER BY file_name DESC, rn DESC) = 1;

CREATE OR REPLACE TEMP TABLE review_cur AS
SELECT * FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r.file_name, r.review_id ORDER BY r.rn) AS k
    FROM review_raw r
    JOIN landing_files f ON f.feed = 'reviews' AND f.file_name = r.file_name AND f.accepted AND f.first_of_content
    WHERE r.review_id IS NOT NULL
) WHERE k = 1
QUALIFY row_number() OVER (PARTITION BY review_id ORDER BY file_name DESC, rn DESC) = 1;

CREATE OR REPLACE TEMP TABLE eval_cur AS
SELECT * FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r.file_name, r.evaluation_id ORDER BY r.rn) AS k
    FROM eval_raw r
    JOIN landing_files f ON f.feed = 'evaluations' AND f.file_name = r.file_name AND f.accepted AND f.first_of_content
    WHERE r.evaluation_id IS NOT NULL
) WHERE k = 1
QUALIFY row_number() OVER (PARTITION BY evaluation_id ORDER BY file_name DESC, rn DESC) = 1;

CREATE OR REPLACE TEMP TABLE corr_cur AS
SELECT * FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r.file_name, r.correction_id ORDER BY r.rn) AS k
    FROM corr_raw r
    JOIN landing_files f ON f.feed = 'corrections' AND f.file_name = r.file_name AND f.accepted AND f.first_of_content
    WHERE r.correction_id IS NOT NULL
) WHERE k = 1
QUALIFY row_number() OVER (PARTITION BY correction_id ORDER BY file_name DESC, rn DESC) = 1;

CREATE OR REPLACE TEMP TABLE pop_cur AS
SELECT * FROM (
    SELECT r.*, row_number() OVER (PARTITION BY r.file_name, r.la_code, r.year ORDER BY r.rn) AS k
    FROM pop_raw r
    JOIN landing_files f ON f.feed = 'population' AND f.file_name = r.file_name AND f.accepted AND f.first_of_content
    WHERE r.la_code IS NOT NULL AND r.year IS NOT NULL
) WHERE k = 1
QUALIFY row_number() OVER (PARTITION BY la_code, year ORDER BY file_name DESC, rn DESC) = 1;

-- ============================================================================================== corrections
-- A correction applies to the current version of a known record, to a correctable column, with a value valid
-- for that column (a required column cannot be cleared), with a reason, a steward and a readable corrected_at;
-- of several for the same value the latest (corrected_at, then correction_id) counts.
CREATE OR REPLACE TEMP TABLE corr_applied AS
SELECT c.feed, c.record_id, c.column_name, c.new_value
FROM corr_cur c
JOIN landing_columns lc ON lc.feed = c.feed AND lc.column_name = c.column_name AND lc.correctable = 'Y'
WHERE c.reason IS NOT NULL AND c.steward IS NOT NULL AND landing_timestamp(c.corrected_at) IS NOT NULL
  AND ((c.feed = 'notifications' AND c.record_id IN (SELECT notification_id FROM notif_cur))
    OR (c.feed = 'reviews' AND c.record_id IN (SELECT review_id FROM review_cur))
    OR (c.feed = 'evaluations' AND c.record_id IN (SELECT evaluation_id FROM eval_cur)))
  AND CASE
        WHEN c.new_value IS NULL THEN lc.required <> 'Y'
        WHEN lc.kind = 'date' THEN landing_date(c.new_value) IS NOT NULL
        WHEN lc.kind = 'timestamp' THEN landing_timestamp(c.new_value) IS NOT NULL
        WHEN lc.kind = 'int' THEN typed_int(c.feed, c.column_name, c.new_value) IS NOT NULL
        WHEN lc.kind = 'code' THEN c.new_value IN (SELECT code FROM code_lists cl WHERE cl.code_list = lc.code_list)
        WHEN lc.kind = 'la_code' THEN c.new_value IN (SELECT new_la_code FROM ref_las)
        ELSE true
      END
QUALIFY row_number() OVER (
    PARTITION BY c.feed, c.record_id, c.column_name
    ORDER BY landing_timestamp(c.corrected_at) DESC, c.correction_id DESC) = 1;

CREATE OR REPLACE TEMP TABLE corr_map AS
SELECT feed, record_id, map_from_entries(list((column_name, new_value))) AS m
FROM corr_applied GROUP BY feed, record_id;
-- The corrected value of column `col`: the correction's when there is one, else the submitted value.
CREATE OR REPLACE TEMP MACRO corrected(m, col, val) AS
    CASE WHEN m IS NOT NULL AND list_contains(map_keys(m), col) THEN m[col] ELSE val END;

-- ============================================================================================== typed records
-- Working days: weekdays that are not England and Wales bank holidays, numbered; wd_le = working days up to a date.
CREATE OR REPLACE TEMP TABLE calendar AS
WITH days AS (
    SELECT d::DATE AS d,
           isodow(d) < 6 AND d::DATE NOT IN (SELECT holiday_date FROM bank_holidays) AS working
    FROM generate_series(make_date(year((SELECT min(holiday_date) FROM bank_holidays))::INTEGER, 1, 1)::TIMESTAMP,
                         make_date(year((SELECT max(holiday_date) FROM bank_holidays))::INTEGER, 12, 31)::TIMESTAMP,
                         INTERVAL 1 DAY) t(d)
)
SELECT d, working, sum(working::INTEGER) OVER (ORDER BY d) AS wd_le FROM days;
CREATE OR REPLACE TEMP TABLE working_days AS SELECT d, wd_le AS wd FROM calendar WHERE working;

-- The due date of a timescale rule for a start date (the rule in force on that date).
CREATE OR REPLACE TEMP MACRO due_months(rule_name, start) AS (
    SELECT start + to_months(amount) FROM timescale_rules
    WHERE rule = rule_name AND unit = 'calendar_month'
      AND (applies_from IS NULL OR start >= applies_from) AND (applies_to IS NULL OR start <= applies_to));

CREATE OR REPLACE TEMP TABLE notif AS
WITH c AS (
    SELECT n.notification_id,
           corrected(m.m, 'incident_id', n.incident_id) AS incident_id,
           corrected(m.m, 'la_code', n.la_code) AS la_code,
           corrected(m.m, 'incident_date', n.incident_date) AS incident_date,
           corrected(m.m, 'la_aware_date', n.la_aware_date) AS la_aware_date,
           corrected(m.m, 'notified_date', n.notified_date) AS notified_date,
           corrected(m.m, 'incident_type', n.incident_type) AS incident_type,
           corrected(m.m, 'suicide', n.suicide) AS suicide,
           corrected(m.m, 'harm_category', n.harm_category) AS harm_category,
           corrected(m.m, 'child_sex', n.child_sex) AS child_sex,
           corrected(m.m, 'child_age_months', n.child_age_months) AS child_age_months,
           corrected(m.m, 'child_ethnicity', n.child_ethnicity) AS child_ethnicity,
           corrected(m.m, 'disability', n.disability) AS disability,
           corrected(m.m, 'known_to_csc', n.known_to_csc) AS known_to_csc,
           corrected(m.m, 'cin_status', n.cin_status) AS cin_status,
           corrected(m.m, 'cp_plan', n.cp_plan) AS cp_plan,
           corrected(m.m, 'legal_status', n.legal_status) AS legal_status
    FROM notif_cur n LEFT JOIN corr_map m ON m.feed = 'notifications' AND m.record_id = n.notification_id
), t AS (
    SELECT notification_id, incident_id,
           CASE WHEN la_code IN (SELECT new_la_code FROM ref_las) THEN la_code END AS la_code,
           landing_date(incident_date) AS incident_date,
           coalesce(landing_date(la_aware_date), landing_date(incident_date)) AS la_aware_date,
           landing_date(notified_date) AS notified_date,
           CASE WHEN incident_type IN (SELECT code FROM code_lists WHERE code_list = 'incident_type') THEN incident_type END AS incident_type,
           suicide, harm_category, child_sex,
           typed_int('notifications', 'child_age_months', child_age_months) AS child_age_months,
           child_ethnicity, disability, known_to_csc, cin_status, cp_plan, legal_status
    FROM c
)
SELECT t.*,
       fin_year(t.incident_date) AS financial_year,
       la.new_la_code IS NOT NULL AS la_valid,
       t.incident_date IS NOT NULL AND la.new_la_code IS NOT NULL AND in_window(t.incident_date) AS in_statistics,
       la.region_code, la.la_name, la.old_la_code,
       nd.d AS notification_due_date,
       t.notified_date <= nd.d AS notified_on_time
FROM t
LEFT JOIN ref_las la
       ON la.new_la_code = t.la_code
      -- date_of_operation 01/01/2009 means "in force when ONS codes began": valid for earlier incidents too
      AND (t.incident_date >= la.valid_from OR la.valid_from = DATE '2009-01-01')
      AND (la.valid_to IS NULL OR t.incident_date <= la.valid_to)
LEFT JOIN timescale_rules r
       ON r.rule = 'notification_due' AND r.unit = 'working_day'
      AND (r.applies_from IS NULL OR t.la_aware_date >= r.applies_from)
      AND (r.applies_to IS NULL OR t.la_aware_date <= r.applies_to)
LEFT JOIN calendar cal ON cal.d = t.la_aware_date
LEFT JOIN working_days nd ON nd.wd = cal.wd_le + r.amount;

-- One row per incident: its LA is the notifying LA of its earliest child (incident_date, then notification_id),
-- its date the earliest; a death if any child died. In the statistics when that date and LA are valid.
CREATE OR REPLACE TEMP TABLE incidents AS
WITH o AS (
    SELECT *, row_number() OVER (PARTITION BY incident_id ORDER BY incident_date NULLS LAST, notification_id) AS child_order
    FROM notif WHERE incident_id IS NOT NULL
), a AS (
    SELECT incident_id, count(*) AS children,
           count(*) FILTER (WHERE notified_on_time) AS children_on_time,
           count(*) FILTER (WHERE incident_type = 'death') AS deaths,
           count(*) FILTER (WHERE incident_type = 'serious_injury') AS serious_injuries,
           min(incident_date) AS incident_date
    FROM o GROUP BY incident_id
)
SELECT a.*, f.la_code, f.region_code, fin_year(a.incident_date) AS financial_year,
       CASE WHEN a.deaths > 0 THEN 'death' WHEN a.serious_injuries > 0 THEN 'serious_injury' END AS incident_type,
       a.incident_date IS NOT NULL AND in_window(a.incident_date) AND EXISTS (
           SELECT 1 FROM ref_las la WHERE la.new_la_code = f.la_code
              AND (a.incident_date >= la.valid_from OR la.valid_from = DATE '2009-01-01')
              AND (la.valid_to IS NULL OR a.incident_date <= la.valid_to)) AS in_statistics
FROM a JOIN o f ON f.incident_id = a.incident_id AND f.child_order = 1;

CREATE OR REPLACE TEMP TABLE reviews AS
WITH c AS (
    SELECT r.review_id,
           corrected(m.m, 'incident_id', r.incident_id) AS incident_id,
           corrected(m.m, 'lscb_la_code', r.lscb_la_code) AS lscb_la_code,
           corrected(m.m, 'chair_aware_date', r.chair_aware_date) AS chair_aware_date,
           corrected(m.m, 'decision_date', r.decision_date) AS decision_date,
           corrected(m.m, 'decision', r.decision) AS decision,
           corrected(m.m, 'status', r.status) AS status,
           corrected(m.m, 'agreed_completion_date', r.agreed_completion_date) AS agreed_completion_date,
           corrected(m.m, 'completion_date', r.completion_date) AS completion_date,
           corrected(m.m, 'author_status', r.author_status) AS author_status,
           corrected(m.m, 'report_pages', r.report_pages) AS report_pages,
           corrected(m.m, 'recommendations', r.recommendations) AS recommendations,
           corrected(m.m, 'action_points', r.action_points) AS action_points,
           corrected(m.m, 'family_contributed', r.family_contributed) AS family_contributed
    FROM review_cur r LEFT JOIN corr_map m ON m.feed = 'reviews' AND m.record_id = r.review_id
), t AS (
    SELECT review_id, incident_id,
           CASE WHEN lscb_la_code IN (SELECT new_la_code FROM ref_las) THEN lscb_la_code END AS lscb_la_code,
           landing_date(chair_aware_date) AS chair_aware_date,
           landing_date(decision_date) AS decision_date,
           CASE WHEN decision IN (SELECT code FROM code_lists WHERE code_list = 'decision') THEN decision END AS decision,
           CASE WHEN status IN (SELECT code FROM code_lists WHERE code_list = 'review_status') THEN status END AS status,
           landing_date(agreed_completion_date) AS agreed_completion_date,
           landing_date(completion_date) AS completion_date,
           author_status,
           typed_int('reviews', 'report_pages', report_pages) AS report_pages,
           typed_int('reviews', 'recommendations', recommendations) AS recommendations,
           typed_int('reviews', 'action_points', action_points) AS action_points,
           family_contributed
    FROM c
)
SELECT t.*, i.incident_date, i.financial_year AS incident_financial_year, i.incident_id IS NOT NULL AS incident_known,
       due_months('decision_due', t.chair_aware_date) AS decision_due_date,
       CASE WHEN t.decision = 'scr'
            THEN coalesce(t.agreed_completion_date, due_months('completion_due', t.decision_date)) END
           AS completion_due_date,
       -- the lead LSCB's LA, valid at the incident (or, for an unknown incident, when the chair knew)
       (SELECT max(la.region_code) FROM ref_las la
         WHERE la.new_la_code = t.lscb_la_code
           AND (coalesce(i.incident_date, t.chair_aware_date) >= la.valid_from OR la.valid_from = DATE '2009-01-01')
           AND (la.valid_to IS NULL OR coalesce(i.incident_date, t.chair_aware_date) <= la.valid_to)) AS lscb_region_code
FROM t LEFT JOIN incidents i USING (incident_id);

CREATE OR REPLACE TEMP TABLE evaluations AS
WITH c AS (
    SELECT e.evaluation_id,
           corrected(m.m, 'review_id', e.review_id) AS review_id,
           corrected(m.m, 'evaluation_date', e.evaluation_date) AS evaluation_date,
           corrected(m.m, 'grade', e.grade) AS grade,
           e.file_name, e.rn
    FROM eval_cur e LEFT JOIN corr_map m ON m.feed = 'evaluations' AND m.record_id = e.evaluation_id
)
SELECT evaluation_id, review_id, landing_date(evaluation_date) AS evaluation_date,
       fin_year(landing_date(evaluation_date)) AS evaluation_financial_year,
       CASE WHEN grade IN (SELECT code FROM code_lists WHERE code_list = 'grade') THEN grade END AS grade,
       review_id IN (SELECT review_id FROM reviews) AS review_known,
       file_name, rn
FROM c;

CREATE OR REPLACE TEMP TABLE population AS
SELECT la_code, landing_int(year) AS year, landing_int(population_0_17) AS population_0_17
FROM pop_cur WHERE landing_int(year) IS NOT NULL AND landing_int(population_0_17) IS NOT NULL;

-- ============================================================================================== 2.1 child_characteristics
-- Label of a landing code in the publication (missing and invalid values are "Not known" / "Unknown").
CREATE OR REPLACE TEMP MACRO pub_group(list_name, code_value, otherwise) AS coalesce(
    (SELECT publication_group FROM code_lists WHERE code_list = list_name AND code = code_value), otherwise);

-- The geographies a file has rows for in a financial year: England, every region, and every LA whose code was
-- valid at some time in that year (ref_las validity dates; 01/01/2009 = in force before 2009 too).
CREATE OR REPLACE TEMP MACRO geography_spine(fy) AS TABLE
SELECT 'National' AS geographic_level, 1 AS level_order, NULL::VARCHAR AS region_code, NULL::VARCHAR AS region_name,
       NULL::VARCHAR AS new_la_code, NULL::VARCHAR AS old_la_code, NULL::VARCHAR AS la_name
UNION ALL
SELECT DISTINCT 'Regional', 2, l.region_code, r.region_name, NULL, NULL, NULL
FROM ref_las l JOIN ref_regions r USING (region_code)
UNION ALL
SELECT 'Local authority', 3, l.region_code, r.region_name, l.new_la_code, l.old_la_code, l.la_name
FROM ref_las l JOIN ref_regions r USING (region_code)
WHERE (l.valid_from = DATE '2009-01-01' OR l.valid_from <= make_date(fy // 100 + 1, 3, 31))
  AND (l.valid_to IS NULL OR l.valid_to >= make_date(fy // 100, 4, 1));

CREATE OR REPLACE TEMP TABLE child_facts AS
WITH c AS (
    SELECT n.*, CASE incident_type WHEN 'death' THEN 'Died' WHEN 'serious_injury' THEN 'Seriously injured'
                ELSE 'Not known' END AS outcome
    FROM notif n WHERE in_statistics
), topics AS (
    SELECT financial_year, la_code, outcome, 'Total' AS breakdown_topic, 'Total' AS breakdown FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Age band',
        coalesce((SELECT band FROM age_bands WHERE band_set = 'age_band' AND child_age_months BETWEEN min_months AND max_months),
                 (SELECT band FROM age_bands WHERE band_set = 'age_band' AND min_months IS NULL)) FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Age under 1',
        (SELECT band FROM age_bands WHERE band_set = 'age_under_1' AND child_age_months BETWEEN min_months AND max_months)
        FROM c WHERE child_age_months IN (SELECT r FROM age_bands a, range(a.min_months, a.max_months + 1) t(r)
                                          WHERE a.band_set = 'age_under_1')
    UNION ALL SELECT financial_year, la_code, outcome, 'Sex', pub_group('child_sex', child_sex, 'Not known') FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Ethnicity', pub_group('ethnicity', child_ethnicity, 'Unknown') FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Disability',
        CASE disability WHEN 'Y' THEN 'Disabled' WHEN 'N' THEN 'Not disabled' ELSE 'Not known' END FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Incident type',
        CASE WHEN incident_type = 'death' AND suicide = 'Y' THEN 'Suicide'
             WHEN incident_type = 'death' THEN 'Death (excluding suicide)'
             WHEN incident_type = 'serious_injury' THEN 'Serious injury' ELSE 'Not known' END FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Harm category', pub_group('harm_category', harm_category, 'Not known') FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Known to children''s social care',
        pub_group('yes_no_unknown', known_to_csc, 'Not known') FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Child in need', pub_group('yes_no_unknown', cin_status, 'Not known') FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Child protection plan', pub_group('yes_no_unknown', cp_plan, 'Not known') FROM c
    UNION ALL SELECT financial_year, la_code, outcome, 'Legal status', pub_group('legal_status', legal_status, 'Not known') FROM c
)
SELECT t.financial_year, l.region_code, t.la_code, o.outcome, t.breakdown_topic, t.breakdown
FROM topics t
JOIN (SELECT DISTINCT new_la_code, region_code FROM ref_las) l ON l.new_la_code = t.la_code,
     (SELECT 'Total' AS outcome UNION ALL SELECT 'Died' UNION ALL SELECT 'Seriously injured'
      UNION ALL SELECT 'Not known') o
WHERE o.outcome = 'Total' OR o.outcome = t.outcome;

CREATE OR REPLACE TEMP TABLE child_long AS
SELECT financial_year,
       CASE WHEN GROUPING(region_code) = 1 THEN 'National'
            WHEN GROUPING(la_code) = 1 THEN 'Regional' ELSE 'Local authority' END AS geographic_level,
       region_code, la_code, outcome, breakdown_topic, breakdown, count(*) AS children
FROM child_facts
GROUP BY GROUPING SETS ((financial_year, outcome, breakdown_topic, breakdown),
                        (financial_year, region_code, outcome, breakdown_topic, breakdown),
                        (financial_year, region_code, la_code, outcome, breakdown_topic, breakdown));

-- Every (topic, breakdown) the contract lists, for every year, geography and outcome (zero where nobody is counted).
CREATE OR REPLACE TEMP TABLE child_grid AS
WITH pairs(breakdown_topic, breakdown, topic_order, value_order) AS (
    SELECT 'Total', 'Total', 1, 1
    UNION ALL SELECT 'Age band', band, 2, sort_order FROM age_bands WHERE band_set = 'age_band'
    UNION ALL SELECT 'Age under 1', band, 3, sort_order FROM age_bands WHERE band_set = 'age_under_1'
    UNION ALL SELECT DISTINCT 'Sex', publication_group, 4, sort_order FROM code_lists WHERE code_list = 'child_sex'
    UNION ALL SELECT 'Ethnicity', publication_group, 5, min(sort_order) FROM code_lists WHERE code_list = 'ethnicity' GROUP BY publication_group
    UNION ALL SELECT * FROM (VALUES ('Disability', 'Disabled', 6, 1), ('Disability', 'Not disabled', 6, 2),
                                    ('Disability', 'Not known', 6, 3),
                                    ('Incident type', 'Death (excluding suicide)', 7, 1), ('Incident type', 'Suicide', 7, 2),
                                    ('Incident type', 'Serious injury', 7, 3), ('Incident type', 'Not known', 7, 4))
    UNION ALL SELECT 'Harm category', publication_group, 8, sort_order FROM code_lists WHERE code_list = 'harm_category'
    UNION ALL SELECT 'Known to children''s social care', publication_group, 9, sort_order FROM code_lists WHERE code_list = 'yes_no_unknown'
    UNION ALL SELECT 'Child in need', publication_group, 10, sort_order FROM code_lists WHERE code_list = 'yes_no_unknown'
    UNION ALL SELECT 'Child protection plan', publication_group, 11, sort_order FROM code_lists WHERE code_list = 'yes_no_unknown'
    UNION ALL SELECT 'Legal status', publication_group, 12, sort_order FROM code_lists WHERE code_list = 'legal_status'
)
SELECT y.financial_year, g.*, o.outcome, o.outcome_order, p.*
FROM (SELECT DISTINCT financial_year FROM notif WHERE in_statistics) y,
     geography_spine(y.financial_year) g,
     (VALUES ('Total', 1), ('Died', 2), ('Seriously injured', 3), ('Not known', 4)) o(outcome, outcome_order),
     pairs p;

CREATE OR REPLACE TEMP TABLE release_child_characteristics AS
SELECT g.financial_year AS time_period, setting('time_identifier') AS time_identifier,
       g.geographic_level, setting('country_code') AS country_code, setting('country_name') AS country_name,
       g.region_code, g.region_name, g.new_la_code, g.old_la_code, g.la_name,
       g.outcome, g.breakdown_topic, g.breakdown,
       coalesce(l.children, 0) AS children,
       100.0 * coalesce(l.children, 0) / nullif(tot.children, 0) AS children_percent
FROM child_grid g
LEFT JOIN child_long l ON l.financial_year = g.financial_year AND l.geographic_level = g.geographic_level
      AND l.region_code IS NOT DISTINCT FROM g.region_code AND l.la_code IS NOT DISTINCT FROM g.new_la_code
      AND l.outcome = g.outcome AND l.breakdown_topic = g.breakdown_topic AND l.breakdown = g.breakdown
LEFT JOIN child_long tot ON tot.financial_year = g.financial_year AND tot.geographic_level = g.geographic_level
      AND tot.region_code IS NOT DISTINCT FROM g.region_code AND tot.la_code IS NOT DISTINCT FROM g.new_la_code
      AND tot.outcome = g.outcome AND tot.breakdown_topic = 'Total'
ORDER BY time_period, g.level_order, g.region_code NULLS FIRST, g.new_la_code NULLS FIRST, g.outcome_order,
         g.topic_order, g.value_order;

-- ============================================================================================== 2.2 review_timeliness
-- The review datasets are by the lead LSCB's LA (and its region, and England). A review is in the statistics when
-- its incident is known with a valid date and its LSCB is an English LA valid then.
CREATE OR REPLACE TEMP TABLE stat_reviews AS
SELECT r.*, r.incident_financial_year AS financial_year, r.lscb_la_code AS la_code, r.lscb_region_code AS region_code
FROM reviews r
WHERE incident_known AND incident_date IS NOT NULL AND in_window(incident_date) AND lscb_region_code IS NOT NULL;

CREATE OR REPLACE TEMP TABLE review_band_facts AS
WITH b AS (
    SELECT financial_year, region_code, la_code,
           CASE WHEN decision_date IS NULL THEN 'Decision pending'
                WHEN decision_date <= decision_due_date THEN 'Yes' ELSE 'No' END AS decision_band,
           CASE WHEN decision IS DISTINCT FROM 'scr' THEN NULL
                WHEN completion_date IS NOT NULL THEN
                    CASE WHEN completion_date <= incident_date + to_months(6) THEN '6 months or less'
                         WHEN completion_date <= incident_date + to_months(12) THEN 'Over 6 to 12 months'
                         WHEN completion_date <= incident_date + to_months(18) THEN 'Over 12 to 18 months'
                         ELSE 'Over 18 months' END
                WHEN status = 'completed' THEN 'Completed, not dated'
                ELSE 'Not completed' END AS completion_band,
           -- a withdrawn review is no longer under a timescale
           CASE WHEN decision IS DISTINCT FROM 'scr' OR status = 'withdrawn' THEN NULL
                WHEN completion_date IS NOT NULL THEN
                    CASE WHEN completion_date <= completion_due_date THEN 'Yes' ELSE 'No' END
                WHEN status = 'completed' THEN 'Completed, not dated'
                WHEN completion_due_date IS NULL OR getvariable('as_of')::DATE <= completion_due_date
                    THEN 'In progress, within timescale'
                ELSE 'In progress, overdue' END AS timescale_band
    FROM stat_reviews
)
SELECT financial_year, region_code, la_code, 'Total' AS measure, 'Total' AS band FROM b
UNION ALL SELECT financial_year, region_code, la_code, 'Decision within one month', 'Total' FROM b
UNION ALL SELECT financial_year, region_code, la_code, 'Decision within one month', decision_band FROM b
UNION ALL SELECT financial_year, region_code, la_code, 'Incident to completion', 'Total' FROM b WHERE completion_band IS NOT NULL
UNION ALL SELECT financial_year, region_code, la_code, 'Incident to completion', completion_band FROM b WHERE completion_band IS NOT NULL
UNION ALL SELECT financial_year, region_code, la_code, 'Completed within timescale', 'Total' FROM b WHERE timescale_band IS NOT NULL
UNION ALL SELECT financial_year, region_code, la_code, 'Completed within timescale', timescale_band FROM b WHERE timescale_band IS NOT NULL;

CREATE OR REPLACE TEMP TABLE timeliness_long AS
SELECT financial_year,
       CASE WHEN GROUPING(region_code) = 1 THEN 'National'
            WHEN GROUPING(la_code) = 1 THEN 'Regional' ELSE 'Local authority' END AS geographic_level,
       region_code, la_code, measure, band, count(*) AS reviews
FROM review_band_facts
GROUP BY GROUPING SETS ((financial_year, measure, band), (financial_year, region_code, measure, band),
                        (financial_year, region_code, la_code, measure, band));

CREATE OR REPLACE TEMP TABLE release_review_timeliness AS
WITH grid(measure, band, measure_order, band_order) AS (
    VALUES ('Total', 'Total', 1, 1),
           ('Decision within one month', 'Total', 2, 1), ('Decision within one month', 'Yes', 2, 2),
           ('Decision within one month', 'No', 2, 3), ('Decision within one month', 'Decision pending', 2, 4),
           ('Incident to completion', 'Total', 3, 1), ('Incident to completion', '6 months or less', 3, 2),
           ('Incident to completion', 'Over 6 to 12 months', 3, 3), ('Incident to completion', 'Over 12 to 18 months', 3, 4),
           ('Incident to completion', 'Over 18 months', 3, 5), ('Incident to completion', 'Completed, not dated', 3, 6),
           ('Incident to completion', 'Not completed', 3, 7),
           ('Completed within timescale', 'Total', 4, 1), ('Completed within timescale', 'Yes', 4, 2),
           ('Completed within timescale', 'No', 4, 3), ('Completed within timescale', 'Completed, not dated', 4, 4),
           ('Completed within timescale', 'In progress, within timescale', 4, 5),
           ('Completed within timescale', 'In progress, overdue', 4, 6)
)
SELECT y.financial_year AS time_period, setting('time_identifier') AS time_identifier,
       s.geographic_level, setting('country_code') AS country_code, setting('country_name') AS country_name,
       s.region_code, s.region_name, s.new_la_code, s.old_la_code, s.la_name,
       g.measure, g.band,
       coalesce(l.reviews, 0) AS reviews,
       100.0 * coalesce(l.reviews, 0) / nullif(tot.reviews, 0) AS reviews_percent
FROM (SELECT DISTINCT financial_year FROM stat_reviews) y, geography_spine(y.financial_year) s, grid g
LEFT JOIN timeliness_long l ON l.financial_year = y.financial_year AND l.geographic_level = s.geographic_level
      AND l.region_code IS NOT DISTINCT FROM s.region_code AND l.la_code IS NOT DISTINCT FROM s.new_la_code
      AND l.measure = g.measure AND l.band = g.band
LEFT JOIN timeliness_long tot ON tot.financial_year = y.financial_year AND tot.geographic_level = s.geographic_level
      AND tot.region_code IS NOT DISTINCT FROM s.region_code AND tot.la_code IS NOT DISTINCT FROM s.new_la_code
      AND tot.measure = g.measure AND tot.band = 'Total'
ORDER BY time_period, s.level_order, s.region_code NULLS FIRST, s.new_la_code NULLS FIRST, g.measure_order, g.band_order;

-- ============================================================================================== 2.3 review_evaluations
-- Each evaluated review once per financial year, at its latest grade in that year (latest evaluation_date, then
-- evaluation_id); the review known, its LSCB an English LA valid at its incident.
CREATE OR REPLACE TEMP TABLE eval_latest AS
SELECT e.evaluation_financial_year AS financial_year, r.region_code, r.la_code, e.review_id, e.grade
FROM evaluations e
JOIN (SELECT review_id, lscb_la_code AS la_code, lscb_region_code AS region_code FROM reviews
      WHERE lscb_region_code IS NOT NULL) r ON r.review_id = e.review_id
WHERE e.evaluation_date IS NOT NULL AND in_window(e.evaluation_date) AND e.grade IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY e.evaluation_financial_year, e.review_id
                           ORDER BY e.evaluation_date DESC, e.evaluation_id DESC) = 1;

CREATE OR REPLACE TEMP TABLE eval_long AS
WITH f AS (
    SELECT financial_year, region_code, la_code, 'Total' AS grade FROM eval_latest
    UNION ALL SELECT financial_year, region_code, la_code,
                     (SELECT publication_group FROM code_lists WHERE code_list = 'grade' AND code = grade) FROM eval_latest
)
SELECT financial_year,
       CASE WHEN GROUPING(region_code) = 1 THEN 'National'
            WHEN GROUPING(la_code) = 1 THEN 'Regional' ELSE 'Local authority' END AS geographic_level,
       region_code, la_code, grade, count(*) AS reviews
FROM f
GROUP BY GROUPING SETS ((financial_year, grade), (financial_year, region_code, grade),
                        (financial_year, region_code, la_code, grade));

CREATE OR REPLACE TEMP TABLE release_review_evaluations AS
WITH grid AS (
    SELECT 'Total' AS grade, 0 AS sort_order
    UNION ALL SELECT publication_group, min(sort_order) FROM code_lists WHERE code_list = 'grade' GROUP BY ALL
)
SELECT y.financial_year AS time_period, setting('time_identifier') AS time_identifier,
       s.geographic_level, setting('country_code') AS country_code, setting('country_name') AS country_name,
       s.region_code, s.region_name, s.new_la_code, s.old_la_code, s.la_name,
       g.grade,
       coalesce(l.reviews, 0) AS reviews,
       100.0 * coalesce(l.reviews, 0) / nullif(tot.reviews, 0) AS reviews_percent
FROM (SELECT DISTINCT financial_year FROM eval_latest) y,
     -- and any LA whose review is evaluated after its code ended (a region is the sum of its LAs)
     (SELECT * FROM geography_spine(y.financial_year)
      UNION SELECT 'Local authority', 3, l.region_code, r.region_name, l.new_la_code, l.old_la_code, l.la_name
      FROM eval_latest e JOIN ref_las l ON l.new_la_code = e.la_code JOIN ref_regions r ON r.region_code = l.region_code
      WHERE e.financial_year = y.financial_year) s, grid g
LEFT JOIN eval_long l ON l.financial_year = y.financial_year AND l.geographic_level = s.geographic_level
      AND l.region_code IS NOT DISTINCT FROM s.region_code AND l.la_code IS NOT DISTINCT FROM s.new_la_code
      AND l.grade = g.grade
LEFT JOIN eval_long tot ON tot.financial_year = y.financial_year AND tot.geographic_level = s.geographic_level
      AND tot.region_code IS NOT DISTINCT FROM s.region_code AND tot.la_code IS NOT DISTINCT FROM s.new_la_code
      AND tot.grade = 'Total'
ORDER BY time_period, s.level_order, s.region_code NULLS FIRST, s.new_la_code NULLS FIRST, g.sort_order;

-- ============================================================================================== 2.4 notifications_by_area
-- Incidents by the notifying LA of their earliest child; children by their own LA and outcome (a child who died
-- under Death); scr_initiated: incidents with a review decision `scr`; notified_on_time_percent: of the children
-- whose timeliness is known. The rate needs the area's population; a region's (England's) is the sum over its LAs
-- only when every LA valid that year has one.
CREATE OR REPLACE TEMP TABLE area_facts AS
WITH labels AS (SELECT code, label FROM code_lists WHERE code_list = 'incident_type'),
inc AS (
    SELECT i.financial_year, i.la_code, i.region_code, coalesce(lb.label, 'Not known') AS incident_type,
           EXISTS (SELECT 1 FROM reviews rv WHERE rv.incident_id = i.incident_id AND rv.decision = 'scr') AS scr
    FROM incidents i LEFT JOIN labels lb ON lb.code = i.incident_type
    WHERE i.in_statistics
), kid AS (
    SELECT n.financial_year, n.la_code, n.region_code, coalesce(lb.label, 'Not known') AS incident_type,
           n.notified_on_time
    FROM notif n LEFT JOIN labels lb ON lb.code = n.incident_type
    WHERE n.in_statistics
)
SELECT financial_year, la_code, region_code, t.incident_type, 1 AS incidents, 0 AS children,
       scr::INTEGER AS scr_initiated, 0 AS on_time, 0 AS on_time_known
FROM inc, (SELECT 'Total' AS incident_type UNION ALL SELECT label FROM labels UNION ALL SELECT 'Not known') t
WHERE t.incident_type = 'Total' OR t.incident_type = inc.incident_type
UNION ALL
SELECT financial_year, la_code, region_code, t.incident_type, 0, 1, 0,
       coalesce(notified_on_time, false)::INTEGER, (notified_on_time IS NOT NULL)::INTEGER
FROM kid, (SELECT 'Total' AS incident_type UNION ALL SELECT label FROM labels UNION ALL SELECT 'Not known') t
WHERE t.incident_type = 'Total' OR t.incident_type = kid.incident_type;

CREATE OR REPLACE TEMP TABLE area_counts AS
SELECT financial_year,
       CASE WHEN GROUPING(region_code) = 1 THEN 'National'
            WHEN GROUPING(la_code) = 1 THEN 'Regional' ELSE 'Local authority' END AS geographic_level,
       region_code, la_code, incident_type,
       sum(incidents) AS incidents, sum(children) AS children, sum(scr_initiated) AS scr_initiated,
       sum(on_time) AS on_time, sum(on_time_known) AS on_time_known
FROM area_facts
GROUP BY GROUPING SETS ((financial_year, incident_type), (financial_year, region_code, incident_type),
                        (financial_year, region_code, la_code, incident_type));

CREATE OR REPLACE TEMP TABLE area_years AS
SELECT DISTINCT financial_year FROM notif WHERE in_statistics AND financial_year IS NOT NULL;

CREATE OR REPLACE TEMP TABLE area_population AS
WITH la AS (
    SELECT y.financial_year, s.region_code, s.new_la_code, p.population_0_17
    FROM area_years y, geography_spine(y.financial_year) s
    LEFT JOIN population p ON p.la_code = s.new_la_code AND fin_year(make_date(p.year, 4, 1)) = y.financial_year
    WHERE s.geographic_level = 'Local authority'
)
SELECT financial_year,
       CASE WHEN GROUPING(region_code) = 1 THEN 'National'
            WHEN GROUPING(new_la_code) = 1 THEN 'Regional' ELSE 'Local authority' END AS geographic_level,
       region_code, new_la_code,
       CASE WHEN count(*) = count(population_0_17) THEN sum(population_0_17) END AS population_0_17
FROM la
GROUP BY GROUPING SETS ((financial_year), (financial_year, region_code), (financial_year, region_code, new_la_code));

CREATE OR REPLACE TEMP TABLE release_notifications_by_area AS
WITH types AS (
    SELECT 'Total' AS incident_type, 0 AS type_order
    UNION ALL SELECT label, sort_order FROM code_lists WHERE code_list = 'incident_type'
    UNION ALL SELECT 'Not known', 99
)
SELECT y.financial_year AS time_period, setting('time_identifier') AS time_identifier,
       s.geographic_level, setting('country_code') AS country_code, setting('country_name') AS country_name,
       s.region_code, s.region_name, s.new_la_code, s.old_la_code, s.la_name,
       t.incident_type,
       coalesce(c.incidents, 0) AS incidents,
       coalesce(c.children, 0) AS children,
       CASE WHEN p.population_0_17 > 0
            THEN coalesce(c.children, 0) * setting('rate_per')::DOUBLE / p.population_0_17 END
           AS children_rate_per_10000,
       coalesce(c.scr_initiated, 0) AS scr_initiated,
       100.0 * c.on_time / nullif(c.on_time_known, 0) AS notified_on_time_percent
FROM area_years y, geography_spine(y.financial_year) s, types t
LEFT JOIN area_counts c ON c.financial_year = y.financial_year AND c.geographic_level = s.geographic_level
      AND c.region_code IS NOT DISTINCT FROM s.region_code AND c.la_code IS NOT DISTINCT FROM s.new_la_code
      AND c.incident_type = t.incident_type
LEFT JOIN area_population p ON p.financial_year = y.financial_year AND p.geographic_level = s.geographic_level
      AND p.region_code IS NOT DISTINCT FROM s.region_code AND p.new_la_code IS NOT DISTINCT FROM s.new_la_code
ORDER BY time_period, s.level_order, s.region_code NULLS FIRST, s.new_la_code NULLS FIRST, t.type_order;

-- ============================================================================================== 2.5 review_characteristics
-- Bands of contract 2.5: the same policy seed the release mart reads (seeds/policy/review_bands.csv).
CREATE OR REPLACE TEMP TABLE review_bands_ref AS
SELECT band_set, band, CAST(min_value AS INTEGER) AS min_value, CAST(max_value AS INTEGER) AS max_value,
       CAST(sort_order AS INTEGER) AS sort_order
FROM read_csv(getvariable('seeds') || '/policy/review_bands.csv', all_varchar = true);
CREATE OR REPLACE TEMP MACRO review_band(set_name, x) AS coalesce(
    (SELECT band FROM review_bands_ref WHERE band_set = set_name AND x >= min_value
                                         AND (max_value IS NULL OR x <= max_value)), 'Not known');

CREATE OR REPLACE TEMP TABLE review_char_long AS
WITH c AS (
    SELECT * FROM stat_reviews WHERE decision = 'scr' AND status = 'completed'
), f AS (
    SELECT financial_year, region_code, la_code, 'Total' AS breakdown_topic, 'Total' AS breakdown FROM c
    UNION ALL SELECT financial_year, region_code, la_code, 'Overview author',
        coalesce(pub_group('author_status', author_status, NULL), pub_group('author_status', 'not_reported', NULL)) FROM c
    UNION ALL SELECT financial_year, region_code, la_code, 'Report length', review_band('report_pages', report_pages) FROM c
    UNION ALL SELECT financial_year, region_code, la_code, 'Recommendations', review_band('recommendations', recommendations) FROM c
    UNION ALL SELECT financial_year, region_code, la_code, 'Action points', review_band('action_points', action_points) FROM c
    UNION ALL SELECT financial_year, region_code, la_code, 'Family contributed',
        pub_group('yes_no_unknown', family_contributed, 'Not known') FROM c
)
SELECT financial_year,
       CASE WHEN GROUPING(region_code) = 1 THEN 'National'
            WHEN GROUPING(la_code) = 1 THEN 'Regional' ELSE 'Local authority' END AS geographic_level,
       region_code, la_code, breakdown_topic, breakdown, count(*) AS reviews
FROM f
GROUP BY GROUPING SETS ((financial_year, breakdown_topic, breakdown),
                        (financial_year, region_code, breakdown_topic, breakdown),
                        (financial_year, region_code, la_code, breakdown_topic, breakdown));

CREATE OR REPLACE TEMP TABLE release_review_characteristics AS
WITH pairs(breakdown_topic, breakdown, topic_order, value_order) AS (
    SELECT 'Total', 'Total', 1, 1
    UNION ALL SELECT 'Overview author', publication_group, 2, sort_order FROM code_lists WHERE code_list = 'author_status'
    UNION ALL SELECT 'Report length', band, 3, sort_order FROM review_bands_ref WHERE band_set = 'report_pages'
    UNION ALL SELECT 'Report length', 'Not known', 3, 99
    UNION ALL SELECT 'Recommendations', band, 4, sort_order FROM review_bands_ref WHERE band_set = 'recommendations'
    UNION ALL SELECT 'Recommendations', 'Not known', 4, 99
    UNION ALL SELECT 'Action points', band, 5, sort_order FROM review_bands_ref WHERE band_set = 'action_points'
    UNION ALL SELECT 'Action points', 'Not known', 5, 99
    UNION ALL SELECT 'Family contributed', publication_group, 6, sort_order FROM code_lists WHERE code_list = 'yes_no_unknown'
)
SELECT y.financial_year AS time_period, setting('time_identifier') AS time_identifier,
       s.geographic_level, setting('country_code') AS country_code, setting('country_name') AS country_name,
       s.region_code, s.region_name, s.new_la_code, s.old_la_code, s.la_name,
       p.breakdown_topic, p.breakdown,
       coalesce(l.reviews, 0) AS reviews,
       100.0 * coalesce(l.reviews, 0) / nullif(tot.reviews, 0) AS reviews_percent
FROM (SELECT DISTINCT financial_year FROM stat_reviews WHERE decision = 'scr' AND status = 'completed') y,
     geography_spine(y.financial_year) s, pairs p
LEFT JOIN review_char_long l ON l.financial_year = y.financial_year AND l.geographic_level = s.geographic_level
      AND l.region_code IS NOT DISTINCT FROM s.region_code AND l.la_code IS NOT DISTINCT FROM s.new_la_code
      AND l.breakdown_topic = p.breakdown_topic AND l.breakdown = p.breakdown
LEFT JOIN review_char_long tot ON tot.financial_year = y.financial_year AND tot.geographic_level = s.geographic_level
      AND tot.region_code IS NOT DISTINCT FROM s.region_code AND tot.la_code IS NOT DISTINCT FROM s.new_la_code
      AND tot.breakdown_topic = 'Total'
ORDER BY time_period, s.level_order, s.region_code NULLS FIRST, s.new_la_code NULLS FIRST, p.topic_order, p.value_order;
