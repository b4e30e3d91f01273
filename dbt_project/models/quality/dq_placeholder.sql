{{ config(tags=['after_quality']) }}
select 1 as placeholder
