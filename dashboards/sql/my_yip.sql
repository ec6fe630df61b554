select
    cohort_year,
    case when host_university_code in (select school_code from access.scope_schools) then 'hosted' else 'pupils' end
        as relation,
    participant_status,
    count(*) as participants,
    count(*) filter (where has_both_mentors) as with_both_mentors
from marts.fct_yip_participants
where is_counted
group by all
order by cohort_year desc, relation, participant_status
