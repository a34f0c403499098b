"""Public postal service (bưu chính công ích, Decision 45/2016/QĐ-TTg): results delivered by
post, paper dossiers collected from the citizen's address, post offices and their couriers."""
