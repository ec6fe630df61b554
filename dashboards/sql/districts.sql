select district_code, district_name_zh, district_name_en from ref.districts order by district_code
