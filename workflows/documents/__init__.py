"""督办文书: the numbered documents of 督查办 and 营商办 (督办通知单, 情况通报, 月调度通报) as .docx."""
