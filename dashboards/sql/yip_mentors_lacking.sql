-- participants of a cohort by which mentor they lack (counted rows of the viewer's scope)
select
    count(*) filter (where not has_university_mentor and has_school_mentor) as lacking_university_only,
    count(*) filter (where has_university_mentor and not has_school_mentor) as lacking_school_only,
    count(*) filter (where not has_university_mentor and not has_school_mentor) as lacking_both,
    count(*) filter (where has_both_mentors) as with_both,
    count(*) as participants
from marts.fct_yip_participants
where is_counted and cohort_year = $period and ($district is null or district_code = $district)
