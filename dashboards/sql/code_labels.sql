select code_list, code, label_zh, label_en, sort_order from ref.code_labels order by code_list, sort_order
