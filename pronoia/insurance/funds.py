"""The funds and schemes of each country pack, seeded by a data migration.

Greek funds are those merged into EFKA by Law 4387/2016 (and e-EFKA by Law 4670/2020);
Polish ones are ZUS, the farmers' fund KRUS and the uniformed services' funds; Bulgarian ones are
NOI (the National Social Security Institute) and its predecessor the State Social Insurance fund.
"""
FUNDS: list[dict[str, str]] = [
    {"code": "EFKA", "country": "gr", "name": "e-EFKA unified social security fund (since 2017)", "kind": "main"},
    {"code": "IKA-ETAM", "country": "gr", "name": "IKA-ETAM social insurance institute (employees)", "kind": "main"},
    {"code": "OAEE", "country": "gr", "name": "OAEE self-employed insurance organisation", "kind": "self_employed"},
    {"code": "TSMEDE", "country": "gr", "name": "TSMEDE engineers' and public works contractors' fund", "kind": "self_employed"},
    {"code": "OGA", "country": "gr", "name": "OGA farmers' insurance organisation", "kind": "farmers"},
    {"code": "ETAA", "country": "gr", "name": "ETAA self-employed professionals' fund", "kind": "self_employed"},
    {"code": "NAT", "country": "gr", "name": "NAT seamen's pension fund", "kind": "main"},
    {"code": "ETEAEP", "country": "gr", "name": "ETEAEP auxiliary insurance fund", "kind": "auxiliary"},
    {"code": "ZUS", "country": "pl", "name": "ZUS Social Insurance Institution", "kind": "main"},
    {"code": "KRUS", "country": "pl", "name": "KRUS Agricultural Social Insurance Fund", "kind": "farmers"},
    {"code": "WBE", "country": "pl", "name": "WBE Military Pension Office", "kind": "uniformed"},
    {"code": "ZER-MSWIA", "country": "pl", "name": "ZER MSWiA Pension Office of the Ministry of the Interior", "kind": "uniformed"},
    {"code": "NOI", "country": "bg", "name": "NOI National Social Security Institute", "kind": "main"},
    {"code": "DOO", "country": "bg", "name": "State Social Insurance fund (before 2000)", "kind": "main"},
    {"code": "UPF", "country": "bg", "name": "Universal pension fund (second pillar)", "kind": "supplementary"},
]
