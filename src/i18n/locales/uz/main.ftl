app-name = ChatBot Factory
language = Til
language-apply = Qo‘llash
theme-toggle = Mavzu
welcome-title = ChatBot Factory’ga xush kelibsiz
welcome-text = Shaxsiy ChatGPT’ingiz: ro‘yxatdan o‘ting, modelni tanlang va suhbatni boshlang.

# Errors
error-not-found = Bu sahifa topilmadi.
error-unauthorized = Davom etish uchun tizimga kiring.
error-forbidden = Sizga bu amalni bajarishga ruxsat yo‘q.
error-csrf = Bu shakl eskirgan yoki boshqa saytdan yuborilgan. Sahifani yangilab, qayta urinib ko‘ring.
error-bad-request = So‘rovni tushunib bo‘lmadi.
error-bad-form = Shaklni o‘qib bo‘lmadi. Sahifani yangilab, qayta urinib ko‘ring.
error-bad-json = So‘rov tanasi kutilgan ko‘rinishdagi JSON emas.
error-too-large = So‘rov juda katta.
error-upload-too-large = Fayl juda katta: ko‘pi bilan { $mb } MB yuklash mumkin.
error-rate-limited = Urinishlar juda ko‘p. { $minutes } daqiqa kutib, qayta urinib ko‘ring.
error-internal = Bizda nimadir noto‘g‘ri ketdi. Birozdan so‘ng qayta urinib ko‘ring.
error-retry-later = Keyinroq qayta urinib ko‘rishingiz mumkin.
error-back-home = Bosh sahifaga qaytish
error-busy-retry = Aynan shu paytda kimdir buni o‘zgartirdi. Iltimos, qayta urinib ko‘ring.
error-server-busy = Xizmat band yoki qisqa vaqtga ishlamayapti. Bir necha soniyadan so‘ng qayta urinib ko‘ring.
error-admin-only = Bu bo‘lim faqat administrator uchun.

# Forms and fields
field-username = Foydalanuvchi nomi
field-email = E-pochta
field-login = Foydalanuvchi nomi yoki e-pochta
field-password = Parol
field-password-confirm = Parolni takrorlang
field-new-password = Yangi parol
field-current-password = Joriy parol
username-hint = 3–32 ta harf, raqam, nuqta, chiziqcha yoki pastki chiziq.
password-hint = Kamida 8 ta belgi. Uzun ibora eng yaxshisi.
save = Saqlash
loading = Yuklanmoqda…

# Validation
username-length = Foydalanuvchi nomi 3 dan 32 tagacha belgidan iborat bo‘ladi.
username-characters = Harf, raqam, “.”, “-” yoki “_” ishlating; nom harf yoki raqam bilan boshlansin.
username-reserved = Bu nom band qilingan. Iltimos, boshqasini tanlang.
username-taken = Bu foydalanuvchi nomi allaqachon band.
email-invalid = Iltimos, to‘g‘ri e-pochta manzilini kiriting.
email-taken = Bu e-pochta bilan hisob allaqachon mavjud.
password-too-short = Parol kamida 8 ta belgidan iborat bo‘lishi kerak.
password-too-long = Parol ko‘pi bilan 128 ta belgidan iborat bo‘lishi mumkin.
password-too-common = Bu parol juda keng tarqalgan yoki oson topiladi. Uzunroq ibora sinab ko‘ring.
password-mismatch = Ikki parol bir xil emas.
password-current-wrong = Joriy parol noto‘g‘ri.
prompt-empty = Avval xabar yozing.
prompt-too-long = Xabar juda uzun (ko‘pi bilan { $max } ta belgi).
prompt-char-count = { $count } / { $max }
rating-invalid = Baho «up», «down» yoki hech narsa bo‘ladi.
title-empty = Sarlavha bo‘sh bo‘lishi mumkin emas.
title-too-long = Sarlavha ko‘pi bilan 200 ta belgidan iborat bo‘lishi mumkin.

# Registration and login
register-title = Hisob yarating
register-lead = Suhbatni boshlash uchun ro‘yxatdan o‘ting.
register-submit = Ro‘yxatdan o‘tish
register-have-account = Hisobingiz bormi?
register-link = Ro‘yxatdan o‘tish
login-title = Xush kelibsiz
login-submit = Kirish
login-link = Kirish
login-no-account = Hali hisobingiz yo‘qmi?
forgot-link = Parolni unutdingizmi?
login-invalid = Foydalanuvchi nomi, e-pochta yoki parol noto‘g‘ri.
login-blocked = Bu hisob administrator tomonidan bloklangan.
login-blocked-reason = Bu hisob administrator tomonidan bloklangan: { $reason }
logout = Chiqish

# E-mail verification
verify-title = E-pochtani tasdiqlash
verify-done-title = E-pochtangiz tasdiqlandi
verify-done-text = Rahmat! Endi xabar yuborishingiz mumkin.
verify-failed-title = Bu havola ishlamaydi
verify-failed-text = Profilingiz yoki suhbat sahifasidan yangi havola so‘rashingiz mumkin.
verify-sent-title = Pochtangizni tekshiring
verify-sent-text = { $email } manziliga yangi tasdiqlash havolasini yubordik.
verify-needed = Suhbatni boshlash uchun e-pochtangizni ({ $email }) tasdiqlang: biz yuborgan havolani oching.
verify-resend = Xatni qayta yuborish
verify-resend-wait = Yana xat so‘rashdan oldin { $seconds } soniya kuting.
start-chatting = Suhbatni boshlash
verify-done-login = Suhbatni boshlash uchun kiring
back-to-chat = Suhbatga qaytish
token-invalid = Bu havola yaroqsiz.
token-used = Bu havoladan allaqachon foydalanilgan.
token-expired = Bu havolaning muddati tugagan. Iltimos, yangisini so‘rang.
email-verify-subject = ChatBot Factory uchun e-pochtangizni tasdiqlang
email-verify-body =
    Salom, { $name }!

    E-pochta manzilingizni tasdiqlash uchun ushbu havolani oching:
    { $link }

    Havola bir marta va { $hours } soat davomida ishlaydi. Agar siz ro‘yxatdan o‘tmagan bo‘lsangiz, bu xatga e’tibor bermang.

# Password reset
forgot-title = Parolni tiklash
forgot-lead = E-pochtangizni kiriting, yangi parol tanlash uchun havola yuboramiz.
forgot-submit = Havolani yuborish
forgot-sent-title = Pochtangizni tekshiring
forgot-sent-text = Agar bu manzil bilan hisob mavjud bo‘lsa, unga parolni tiklash havolasini yubordik. Havola bir soat ishlaydi.
reset-title = Yangi parol tanlang
reset-submit = Yangi parolni saqlash
reset-ask-again = Yangi havola so‘rash
email-reset-subject = ChatBot Factory parolingizni tiklash
email-reset-body =
    Salom, { $name }!

    Kimdir (umid qilamizki, siz) parolingizni tiklashni so‘radi. Yangisini shu yerda tanlang:
    { $link }

    Havola bir marta va { $minutes } daqiqa davomida ishlaydi. Agar siz so‘ramagan bo‘lsangiz, bu xatga e’tibor bermang: parolingiz o‘zgarmaydi.

# App shell
sidebar-label = Suhbatlar
sidebar-open = Yon panelni ochish
sidebar-close = Yon panelni yopish
scroll-to-bottom = Oxirgi xabarga o‘tish
new-chat = Yangi suhbat
search-chats = Suhbatlarni qidirish
chat-history = Suhbatlar tarixi
group-today = Bugun
group-yesterday = Kecha
group-week = Oldingi 7 kun
group-older = Eskiroq
no-chats = Hali suhbatlar yo‘q.
no-search-results = Qidiruvga mos suhbat topilmadi.
chat-rename = Nomini o‘zgartirish
chat-delete = O‘chirish
chat-options = Suhbat sozlamalari
chat-delete-confirm = “{ $title }” suhbati o‘chirilsinmi? Buni qaytarib bo‘lmaydi.
chat-rename-prompt = Suhbat uchun yangi sarlavha:
profile = Profil
empty-chat-title = Qanday yordam bera olaman?

# Profile
profile-title = Profilingiz
profile-edit = Profilni tahrirlash
profile-saved = Profilingiz saqlandi.
password-changed = Parolingiz o‘zgartirildi. Boshqa qurilmalardan chiqildi.
email-verified = tasdiqlangan
email-unverified = tasdiqlanmagan
email-change-hint = Yangi manzilni qayta tasdiqlash kerak bo‘ladi.
joined = Ro‘yxatdan o‘tgan sana
previous-chats = Oldingi suhbatlar
password-change = Parolni o‘zgartirish
password-change-note = Parol o‘zgartirilsa, boshqa barcha qurilmalardan chiqiladi.
account-delete = Hisobni o‘chirish
account-delete-text = Hisobingiz va barcha suhbatlaringiz o‘chiriladi. Foydalanuvchi nomi va e-pochtangiz bo‘shaydi.
account-delete-confirm = Hisobingiz va barcha suhbatlar rostdan ham o‘chirilsinmi?
your-data = Maʼlumotlaringiz
your-data-text = Barcha suhbatlarni Markdown va JSON ko‘rinishida yuklab oling yoki hisobni saqlab, barcha suhbatlarni o‘chiring.
export-my-data = Maʼlumotlarimni eksport qilish
delete-all-chats = Barcha suhbatlarni o‘chirish
delete-all-chats-confirm = Barcha suhbatlaringiz o‘chirilsinmi? Buni qaytarib bo‘lmaydi.
chats-deleted-notice = Barcha suhbatlaringiz o‘chirildi.

# Admin
admin-title = Administrator
admin-login-title = Administrator kirishi
admin-login-lead = Ushbu ChatBot Factory administratori uchun.
admin-welcome = Salom, { $name }
admin-logged-in-as = Siz { $name } ({ $email }) administratori sifatida kirdingiz.
admin-nav-dashboard = Boshqaruv paneli
admin-nav-pdf-models = PDF modellar
coming-soon = tez orada

# Chat
composer-placeholder = ChatBot Factory’ga xabar yozing
send = Yuborish
stop = To‘xtatish
composer-note = Javoblar xato bo‘lishi mumkin. Muhim ma’lumotlarni tekshiring.
load-earlier = Oldingi xabarlarni ko‘rsatish
copy = Nusxalash
copied = Nusxalandi
regenerate = Qayta yaratish
rate-good = Yaxshi javob
rate-bad = Yomon javob
version-previous = Oldingi javob
version-next = Keyingi javob
edit-prompt = Xabarni tahrirlash
edit-send = Yuborish
prompt-version-previous = Oldingi versiya
prompt-version-next = Keyingi versiya
retry = Qayta urinish
answer-failed = Javob berishda xato:
answer-stopped = Siz bu javobni to‘xtatdingiz.
choose-model = Modelni tanlang
tokens-meta = { $prompt } + { $completion } token
waiting-local-model = Mahalliy model kutilmoqda (navbatda { $position }-o‘rin)…
connection-lost = Aloqa uzildi. Saqlangan javobni ko‘rish uchun sahifani yangilang.
model-loading = tayyorlanmoqda: { $detail }
model-unavailable = mavjud emas: { $reason }
chat-limit-notice = Bu suhbat { $limit } ta so‘rov chegarasiga yetdi. Davom etish uchun yangi suhbat boshlang.
chat-limit-remaining = Bu suhbatda { $remaining } ta so‘rov qoldi.
chat-limit-reached = Bu suhbat { $limit } ta so‘rov chegarasiga yetdi. Davom etish uchun yangi suhbat boshlang.
chat-busy = Bu suhbatda javob hali yozilmoqda.
chat-nothing-to-regenerate = Qayta yaratish uchun javob yo‘q.
chat-verify-first = Xabar yuborishdan oldin e-pochtangizni tasdiqlang.

# Model errors
llm-invalid-key = model serveri API kalitini rad etdi. Administrator OPENAI_API_KEY ni tekshirishi kerak.
llm-quota = model hisobida limit qolmadi. Iltimos, administratorga xabar bering.
llm-rate-limited = model hozir band. Birozdan so‘ng qayta urinib ko‘ring.
llm-context-too-long = bu suhbat model uchun juda uzun. Yangi suhbat boshlang.
llm-unknown-model = “{ $model }” modeli serverga noma’lum.
llm-timeout = model o‘z vaqtida javob bermadi.
llm-connection = model serveriga ulanib bo‘lmadi.
llm-upstream = model serverida muammo yuz berdi (holat { $status }).
llm-unavailable = model mavjud emas ({ $reason }).
llm-interrupted = javob to‘liq bo‘lmasdan uzilib qoldi.
llm-interrupted-restart = bu javob yozilayotganda server qayta ishga tushdi.

# Admin panel
admin-nav-users = Foydalanuvchilar
admin-nav-chats = Suhbatlar
admin-nav-settings = Cheklovlar va modellar
admin-nav-audit = Amallar jurnali
admin-user-title = Foydalanuvchi
admin-chat-title = Suhbat
admin-range = Davr
admin-range-days = Oxirgi { $days } kun
admin-range-custom = Boshqa davr
admin-from = Boshlanishi
admin-to = Tugashi
admin-show = Ko‘rsatish
admin-figures = Ko‘rsatkichlar
admin-today = bugun
admin-in-range = davr ichida { $count }
admin-stat-users = Foydalanuvchilar
admin-stat-active = Bugun faol
admin-stat-chats = Suhbatlar
admin-stat-prompts = So‘rovlar
admin-stat-api-prompts = API orqali so‘rovlar
admin-stat-answers = Javoblar
admin-stat-failed = Xato bilan tugagan javoblar
admin-stat-stopped = To‘xtatilgan javoblar
admin-stat-prompt-tokens = So‘rov tokenlari
admin-stat-completion-tokens = Javob tokenlari
admin-stat-likes = 👍 Yaxshi
admin-stat-dislikes = 👎 Yomon
admin-stat-blocked = Bloklangan foydalanuvchilar
admin-charts = Kunlar bo‘yicha, { $from } – { $to }
chart-prompts = So‘rovlar, javoblar va rad etilganlar
chart-users = Faol va yangi foydalanuvchilar
chart-tokens = Tokenlar
chart-models = Modellar bo‘yicha so‘rovlar
admin-by-model = Davr ichida modellar bo‘yicha
admin-col-model = Model
admin-col-title = Sarlavha
admin-col-status = Holat
admin-col-tokens = Tokenlar
admin-col-updated = Oxirgi faollik
admin-col-last-active = Oxirgi faollik
admin-col-verified = Tasdiqlangan
admin-col-kind = Turi
admin-col-when = Qachon
admin-col-who = Kim
admin-col-action = Amal
admin-col-target = Obyekt
admin-col-details = Tafsilotlar
admin-nothing-yet = Hozircha hech narsa yo‘q.
admin-search-users = Foydalanuvchi nomi yoki e-pochta bo‘yicha qidirish
admin-search-content = Sarlavha va xabarlarda qidirish
admin-filter-user = Foydalanuvchi (nomi yoki id)
admin-select = Tanlash
admin-export-selected = Tanlangan foydalanuvchilar suhbatlarini eksport qilish (zip)
admin-export-none = Eksport uchun kamida bitta foydalanuvchini tanlang.
admin-pages = Sahifalar
admin-page-of = { $pages } sahifadan { $page }-sahifa (jami { $total })
admin-active = faol
admin-blocked = bloklangan
admin-block = Bloklash
admin-unblock = Blokdan chiqarish
admin-block-reason = Foydalanuvchiga ko‘rsatiladigan sabab (ixtiyoriy)
admin-block-confirm = Bu foydalanuvchi bloklansinmi? Uning seanslari darhol tugaydi.
admin-daily-quota = Kunlik so‘rovlar (0 = umumiy chegara)
admin-quota-default = Umumiy chegara amal qiladi: { $default ->
    [0] kunlik cheklov yo‘q
   *[other] kuniga { $default } ta so‘rov
}.
admin-quota-own = Alohida chegara belgilangan.
admin-quota-today = Bugun: { $used } / { $limit }.
admin-rate-limit = { $per_minute ->
    [0] Daqiqadagi so‘rovlar cheklanmagan.
   *[other] Har bir foydalanuvchi uchun daqiqasiga ko‘pi bilan { $per_minute } ta so‘rov.
}
admin-usage-limits-note = Kunlik chegara foydalanuvchining barcha suhbatlarini hisoblaydi; .env faylida DAILY_PROMPT_QUOTA va RATE_LIMIT_PROMPTS_PER_MINUTE ni yoki foydalanuvchi sahifasida alohida chegarani belgilang.
admin-done = Saqlandi.
admin-print = Chop etish
pdf-user = Foydalanuvchi
pdf-assistant = Yordamchi
pdf-details = Foydalanuvchi: { $user } · Model: { $model } · Boshlangan: { $started } · Oxirgi faollik: { $updated } ({ $zone })
admin-usage-30 = Oxirgi 30 kundagi so‘rovlar
admin-started = Boshlangan
admin-chat-limit = Ushbu suhbat uchun so‘rovlar chegarasi
admin-default = standart
admin-chat-active = faol
admin-chat-at-limit = chegaraga yetgan
admin-role-user = Foydalanuvchi
admin-role-assistant = Yordamchi
admin-limits = Cheklovlar
admin-default-limit = Har bir suhbat uchun so‘rovlar (umumiy standart)
admin-limits-note = Suhbatning o‘z chegarasi (uning sahifasida) bu standartdan ustun turadi.
admin-models = Tanlovdagi modellar
admin-enabled = yoqilgan
admin-disabled = o‘chirilgan
admin-enable = Yoqish
admin-disable = O‘chirish
admin-make-default = Standart qilish
admin-model-default-disable = Standart modelni o‘chirib bo‘lmaydi; avval boshqa standart modelni tanlang.
admin-model-enable-first = Standart qilishdan oldin modelni yoqing.
admin-number-invalid = Iltimos, butun son kiriting.
chat-daily-quota = Siz bugungi { $limit } ta xabar chegarangizga yetdingiz. U UTC bo‘yicha yarim tunda, { $hours } soat { $minutes } daqiqadan so‘ng yangilanadi.
chat-too-fast = Siz xabarlarni juda tez yuboryapsiz. { $seconds } soniya kuting.

# PDF models: why an uploaded PDF cannot be used
pdf-unreadable = Yuklangan faylni o‘qib bo‘lmadi. Uni qaytadan yuklang.
pdf-too-large = Fayl juda katta ({ $size } MB); ruxsat etilgan hajm { $max } MB.
pdf-not-pdf = Bu fayl PDF emas.
pdf-malformed = PDF fayl shikastlangan yoki to‘liq yuklanmagan, uni o‘qib bo‘lmaydi. Uni qaytadan eksport qilib yoki saqlab ko‘ring.
pdf-encrypted = PDF fayl parol bilan himoyalangan. Parolni olib tashlang va faylni qaytadan yuklang.
pdf-no-pages = PDF faylda birorta ham sahifa yo‘q.
pdf-too-many-pages = PDF faylda { $pages } ta sahifa bor; ko‘pi bilan { $max } ta sahifaga ruxsat beriladi.
pdf-no-text = PDF faylda matn qatlami yo‘q: u skanerlangan hujjatga o‘xshaydi. Matnni tanib olish (OCR) qo‘llab-quvvatlanmaydi; matnini belgilab olish mumkin bo‘lgan PDF yuklang.
pdf-garbled = Bu PDF fayldagi matnni o‘qib bo‘lmaydi (shriftlarida belgilar jadvali yo‘q). PDF faylni qaytadan yoki boshqa dasturdan eksport qiling.
pdf-timeout = PDF faylni o‘qish juda uzoq davom etdi ({ $seconds } soniyadan ortiq). Kichikroq fayl yuklab ko‘ring.

## PDF models (admin)
admin-models-intro = Bitta PDF faylni foydalanuvchilar tanlay oladigan modelga aylantiring: uning javoblari hujjatdan olinadi va sahifalariga havola beradi.
admin-models-none = Hozircha PDF modellar yo‘q.
admin-model-new = Yangi model
admin-model-create = Model yaratish
admin-model-name = Nomi
admin-model-description = Tavsif
admin-model-description-hint = Modellar ro‘yxatida nomi ostida ko‘rsatiladi.
admin-model-instructions = Ko‘rsatmalar (ixtiyoriy)
admin-model-instructions-hint = Model uchun qo‘shimcha qoidalar, tizim promptiga qo‘shiladi (ohang, til, nimani rad etish).
admin-model-base = Asosiy model
admin-model-pdf = PDF fayl
admin-model-pdf-hint = Matn qatlamiga ega bitta PDF, { $mb } MB va { $pages } sahifagacha.
admin-model-pages = Sahifalar
admin-model-chunks = Parchalar
admin-model-pdf-size = PDF hajmi
admin-model-created = Yaratilgan
admin-model-launched = Ishga tushirilgan
admin-model-is-launched = ishga tushirilgan
admin-model-status-ingesting = PDF o‘qilmoqda
admin-model-status-ready = tayyor
admin-model-status-failed = xato
admin-model-status-deleted = o‘chirilgan
admin-model-launch = Ishga tushirish
admin-model-unlaunch = To‘xtatish
admin-model-reingest = PDFni qayta o‘qish
admin-model-edit = Tahrirlash
admin-model-delete = O‘chirish
admin-model-delete-title = “{ $name }” o‘chirilsinmi?
admin-model-delete-explain = Model ro‘yxatdan olib tashlanadi, uning vektorlari va PDF fayli o‘chiriladi. U bilan bo‘lgan suhbatlarni o‘qish mumkin bo‘ladi, lekin davom ettirib bo‘lmaydi. Buni qaytarib bo‘lmaydi.
admin-model-delete-confirm = Modelni o‘chirish
admin-model-name-required = Modelga nom bering.
admin-model-too-long = “{ $field }” maydoni juda uzun (ko‘pi bilan { $max } belgi).
admin-model-launch-not-ready = Faqat PDF fayli o‘qilgan modelni ishga tushirish mumkin.
admin-model-base-invalid = Ro‘yxatdan asosiy modelni tanlang.
admin-model-pdf-required = PDF faylni tanlang.
cancel = Bekor qilish
dialog-ok = OK
pdf-unreadable-short = PDF faylni o‘qib bo‘lmadi. Uni qaytadan yuklang.
pdf-too-large-short = PDF ruxsat etilgan hajmdan katta.
pdf-too-many-pages-short = PDFda ruxsat etilganidan ko‘p sahifa bor.
pdf-timeout-short = PDFni o‘qish juda uzoq davom etdi. Kichikroq fayl yuklab ko‘ring.
pdf-embedder = Embedding modeli ishlamadi. Server jurnalini tekshiring va PDFni qayta o‘qing.
pdf-internal = PDFni o‘qishda xatolik yuz berdi. Server jurnalini tekshiring va PDFni qayta o‘qing.
model-not-offered = mavjud emas
admin-model-read-elsewhere = Bu PDFni hozir saytning boshqa serveri o‘qimoqda; u tugagach qayta urinib ko‘ring.
admin-model-status-elsewhere = saytning boshqa serveri o‘qimoqda
account-deleted-notice = Hisobingiz va barcha suhbatlaringiz o‘chirildi.
theme-system = Tizimdagidek
theme-dark = Qorong‘i
theme-light = Yorug‘
model-not-set-up = bu saytda hali ulanmagan
model-not-launched = hozircha mavjud emas
model-gone-notice = “{ $name }” hozircha mavjud emas. Bu suhbatni davom ettirish uchun yuqoridan boshqa modelni tanlang yoki yangi suhbat boshlang.
llm-not-set-up = bu model hozir ushbu saytda mavjud emas. Yuqoridan boshqa modelni tanlang va xabaringizni qayta yuboring.
model-preparing = tayyorlanmoqda, tez orada javob bera oladi
admin-default-fallback = Standart model “{ $chosen }” bu serverda javob bera olmaydi ({ $reason }), shuning uchun yangi chatlar “{ $instead }” bilan boshlanadi. Uni ulang yoki quyida boshqa standart modelni tanlang.
admin-default-none = Standart model “{ $chosen }” bu serverda javob bera olmaydi ({ $reason }), boshqa modellar ham. Uni ulang yoki quyida boshqa modelni yoqing.
bot-base-unavailable = bu bot javob beradigan model hozir mavjud emas; egasi bot sozlamalarida boshqasini tanlashi mumkin
bot-not-shared = Bu bot endi ulashilmaydi.
bot-not-shared-text = Egasi uni shaxsiy qilgan bo‘lishi yoki havolada xato bo‘lishi mumkin. Saytdagi modellar bilan suhbatlashishingiz mumkin.
admin-of-users = { $count } foydalanuvchidan
admin-stat-open-chats = Ochiq suhbatlar
admin-open-chats-note = javob yozilmoqda yoki so‘nggi daqiqalarda o‘qilgan, shu serverda

# Settings
settings-title = Sozlamalar
settings-general = Umumiy
settings-saved = Sozlamalar saqlandi.
custom-instructions = Shaxsiy ko‘rsatmalar
custom-instructions-text = Yordamchi siz haqingizda nimani bilishi va qanday javob berishi kerak? Yangi suhbatlar shu ko‘rsatmalarga amal qiladi.
custom-about = Yordamchi siz haqingizda nimani bilishi kerak?
custom-about-placeholder = Masalan: men Toshkentda o‘qituvchiman, hayotiy misollarni yoqtiraman.
custom-style = Qanday javob bersin?
custom-style-placeholder = Masalan: qisqa, o‘zbek tilida, oxirida xulosa bilan.
custom-instructions-note = Boshlangan suhbatlar o‘zi boshlangan ko‘rsatmalarni saqlab qoladi.
custom-instructions-too-long = Ko‘pi bilan { $max } ta belgi.
archived-chats = Arxivlangan suhbatlar
no-archived-chats = Arxivlangan suhbatlar yo‘q. Suhbatni yon paneldagi menyusidan arxivlang.
unarchive = Arxivdan chiqarish
chat-archive = Arxivlash
chat-archived-notice = Bu suhbat arxivlangan.

# Event browser
admin-nav-events = Hodisalar jurnali
admin-event-stream-title = Oqim tarixi
admin-col-stream = Oqim
admin-col-event-type = Hodisa
admin-col-user = Foydalanuvchi
admin-col-position = pozitsiya
admin-all = hammasi
admin-events-older = Oldingi hodisalar
admin-events-newest = Eng yangilari
admin-events-note = Yuklab olish filtrlar qoldirgan barcha hodisalarni o‘z ichiga oladi (parol xeshlari chiqmaydi).

## Users' own bots
my-bots = Mening botlarim
bots-manage = Botlarimni boshqarish
bots-intro = O‘zingizning chatbotingizni yarating: unga ko‘rsatmalar bering, qaysi modeldan foydalanishini tanlang, boshlovchi savollar va xohlasangiz u biladigan PDF qo‘shing. Havolasini ulashmaguningizcha undan faqat siz foydalanasiz.
bots-none = Sizda hali bot yo‘q.
bots-cap = Ko‘pi bilan { $max } ta bot yaratishingiz mumkin.
bot-new = Yangi bot
bot-create = Bot yaratish
bot-chat = Suhbat
bot-edit = Tahrirlash
bot-saved = Saqlandi. Bu bot bilan keyingi suhbatlar shu sozlamalardan foydalanadi; avvalgi javoblar o‘zgarmaydi.
bot-delete = Botni o‘chirish
bot-delete-confirm = Bu bot o‘chirilsinmi? Uning PDF fayli ham o‘chiriladi. U bilan bo‘lgan suhbatlarni o‘qish mumkin, lekin davom ettirib bo‘lmaydi.
bot-copy-name = { $name } (nusxa)
bot-shared-badge = Havolasi borlar uchun
bot-private-badge = Shaxsiy
bot-disabled-badge = O‘chirib qo‘yilgan
bot-disabled-notice = Administrator bu botni o‘chirib qo‘ydi: { $reason }
bot-name = Nomi
bot-emoji = Emoji
bot-color = Rang
bot-description = Tavsif
bot-description-hint = Bot sahifasida va model tanlash ro‘yxatida ko‘rinadi.
bot-instructions = Ko‘rsatmalar
bot-instructions-hint = Bot nima qilishi va qanday javob berishi kerak (ko‘pi bilan { $max } belgi). Bot sahifasida ular ko‘rsatilmaydi.
bot-base = Model
bot-starters = Boshlovchi savollar
bot-starters-hint = Bot sahifasida ko‘rsatiladigan to‘rttagacha savol; bosilganda yuboriladi.
bot-pdf = Bilim (PDF)
bot-pdf-ready = tayyor
bot-pdf-reading = o‘qilmoqda…
bot-pdf-failed = o‘qib bo‘lmadi
bot-pdf-remove = Bu PDFni olib tashlash
bot-pdf-hint = Ixtiyoriy: bot javob beradigan { $mb } MB gacha bitta PDF. Yangi fayl eskisining o‘rnini egallaydi.
bot-sharing = Ulashish
bot-shared-text = Havolasi bor har qanday ro‘yxatdan o‘tgan foydalanuvchi bu bot bilan suhbatlasha oladi. Bot sahifasida uning nomi, tavsifi va boshlovchi savollari ko‘rinadi.
bot-private-text = Bu botdan faqat siz foydalana olasiz.
bot-share = Havolasi borlar bilan ulashish
bot-unshare = Shaxsiy qilish
bot-share-link = Botga havola
bot-duplicate = Nusxa olish
bot-gone = Bu bot endi mavjud emas, shuning uchun bu suhbatni faqat o‘qish mumkin.
bot-base-gone = Bu bot javob beradigan model hozir mavjud emas, shuning uchun bu suhbatni faqat o‘qish mumkin. Egasi bot sozlamalarida boshqasini tanlashi mumkin.
bot-unavailable = bot endi mavjud emas
bot-deleted = bot o‘chirilgan
bot-name-required = Botga nom bering.
bot-too-long = { $field ->
    [name] Nomi
    [description] Tavsifi
    [instructions] Ko‘rsatmalar
    [starter] Boshlovchi savol
   *[other] Sabab
} juda uzun (ko‘pi bilan { $max } belgi).
bot-too-many-starters = Botda ko‘pi bilan { $max } ta boshlovchi savol bo‘lishi mumkin.
bot-emoji-invalid = Avatar uchun bitta emoji tanlang.
bot-color-invalid = Ranglardan birini tanlang.
bot-too-many = Sizda allaqachon { $max } ta bot bor. Yangisini yaratish uchun bittasini o‘chiring.
bot-base-invalid = Ro‘yxatdagi modellardan birini tanlang.
bot-disable-reason-required = Bot nega o‘chirilayotganini yozing (egasi sababni ko‘radi).
admin-nav-bots = Foydalanuvchilar botlari
admin-bots-intro = Foydalanuvchilar yaratgan barcha botlar. O‘chirib qo‘yilgan bot hech kimga javob bermaydi; egasi siz yozgan sababni ko‘radi.
admin-bots-col-bot = Bot
admin-bots-col-owner = Egasi
admin-bots-col-visibility = Ko‘rinishi
admin-bots-col-model = Model
admin-bots-col-chats = Suhbatlar
admin-bots-col-answers = Javoblar
admin-bots-col-tokens = Tokenlar
admin-bots-none = Hali hech bir foydalanuvchi bot yaratmagan.
admin-bot-disable = O‘chirib qo‘yish
admin-bot-enable = Yoqish
admin-bot-reason = Egasiga ko‘rsatiladigan sabab

# An answer finished while the database was unavailable (kept until it can be saved).
answer-saving = Saqlanmoqda… Javob yo‘qolmaydi: ma’lumotlar bazasi qaytishi bilan saqlanadi.

# A PDF whose content asks for more work than one document may cost; a reading stopped.
pdf-too-much-content = Bu PDF faylni o‘qib bo‘lmaydi: uning ichidagi ma’lumotlar, matn yoki shrift jadvallari ochilganda juda katta hajmga ega bo‘ladi. Faylni kichikroq qismlarga bo‘ling yoki boshqa dasturda qaytadan saqlang.
pdf-cancelled = PDF faylni o‘qish to‘xtatildi.

# Shared bots: what their users can get out of the model; an answer cut off for repeating the instructions; "Export my data" limited.
bot-shared-caution = Ulashish sir saqlash degani emas: ulashilgan bot bilan suhbatlashganlar modelni uning ko‘rsatmalarini va PDF faylidan parchalarni takrorlashga ko‘ndirishi mumkin. Botga buni qilmaslik aytilgan, ko‘rsatmalarning uzun qismini so‘zma-so‘z takrorlayotgan javob to‘xtatiladi, ammo qayta aytilgan yoki qisman nusxa baribir chiqib ketishi mumkin. Ko‘rsatmalarga va PDF faylga foydalanuvchilari o‘qimasligi kerak bo‘lgan narsani yozmang.
bot-answer-withheld = Bu javob to‘xtatildi: u bot ko‘rsatmalarini takrorlay boshladi, ko‘rsatmalar esa faqat bot egasiniki.
profile-export-limited = Ma’lumotlaringizni soatiga { $limit } marta yuklab olishingiz mumkin. { $minutes } daqiqadan so‘ng qayta urinib ko‘ring.

# Fair use of bots: a PDF needs a verified address; bots made and PDFs given per hour.
bot-pdf-verify-first = Botga PDF berishdan oldin e-pochtangizni tasdiqlang: sizga yuborilgan havolani oching (profil sahifangizdan uni qayta yuborish mumkin).
bot-creations-too-many = Soatiga { $max } ta bot yaratishingiz mumkin. { $minutes } daqiqadan so‘ng qayta urinib ko‘ring.
bot-pdf-uploads-too-many = Botlarga soatiga { $max } ta PDF berishingiz mumkin. { $minutes } daqiqadan so‘ng qayta urinib ko‘ring.

# A PDF waiting for one of the instance's reading slots (PDF_READINGS_AT_ONCE).
pdf-reading-waiting = o‘qish uchun navbat kutilmoqda (oldinda { $ahead } ta)

# Personal API keys (profile → API keys, /admin/api-keys).
api-keys-title = API kalitlari
api-keys-intro = Shaxsiy kalitlar muharriringiz, skriptlaringiz va notebooklaringizga saytning modellaridan OpenAI bilan mos API orqali foydalanish imkonini beradi. Kalitni qo‘lga kiritgan har kim undan sizning nomingizdan foydalana oladi: uni sir saqlang va keraksiz kalitni bekor qiling.
api-keys-profile-text = OpenAI API bilan ishlaydigan vositalar (muharrirlar, skriptlar, notebooklar) uchun kalitlar.
api-keys-manage = API kalitlarini boshqarish
api-key-create = Kalit yaratish
api-key-name = Nomi
api-key-name-hint = Kalit nima uchunligi, masalan, "noutbuk" yoki "notebook".
api-key-name-invalid = Kalitga 1 dan { $max } tagacha belgidan iborat nom bering.
api-key-expires = Amal qilish muddati
api-key-expires-never = Muddatsiz
api-key-expires-days = { $days } kundan keyin
api-key-expiry-invalid = Taklif qilingan muddatlardan birini tanlang.
api-keys-limit = Bir vaqtda ko‘pi bilan { $max } ta faol kalitingiz bo‘lishi mumkin.
api-keys-too-many = Sizda allaqachon { $max } ta faol kalit bor. Avval foydalanmayotganingizni bekor qiling.
api-key-created = Yangi kalitingiz: "{ $name }"
api-key-shown-once = Kalitni hozir nusxalab oling: u boshqa ko‘rsatilmaydi. Biz faqat uning izini saqlaymiz, shuning uchun keyin uni hech kim (hatto administrator ham) ko‘rsata olmaydi.
api-key-secret = Yangi API kalitingiz
api-keys-yours = Kalitlaringiz
api-keys-none = Hali API kalitingiz yo‘q.
api-key-col-prefix = Kalit
api-key-col-created = Yaratilgan
api-key-col-expires = Muddati
api-key-col-last-used = Oxirgi foydalanish
api-key-col-prompts = So‘rovlar
api-key-never-used = hech qachon
api-key-status-active = faol
api-key-status-expired = muddati o‘tgan
api-key-status-revoked = bekor qilingan
api-key-revoked-by-admin = administrator bekor qilgan
api-key-revoked-by-block = bekor qilingan (hisob bloklangan)
api-key-revoke = Bekor qilish
api-key-revoke-confirm = "{ $name }" kaliti bekor qilinsinmi? Undan foydalanayotgan dasturlar darhol ishlamay qoladi.
api-key-revoked-notice = Kalit bekor qilindi.
api-help-title = API’dan foydalanish
api-help-text = OpenAI bilan mos istalgan mijozga shu asosiy URL manzilni ko‘rsating va API kaliti sifatida kalitingizni bering.
api-help-base-url = Asosiy URL
api-help-curl = Masalan, curl bilan:
admin-nav-api-keys = API kalitlari
admin-api-keys-intro = Barcha foydalanuvchilarning shaxsiy API kalitlari, eng yangisi birinchi. Har bir kalitning faqat izi saqlanadi; bekor qilingan kalit darhol ishlamay qoladi.
admin-api-keys-none = Hali hech bir foydalanuvchi API kaliti yaratmagan.
api-chats-title = API orqali suhbatlar
api-chats-none = Hali API orqali suhbat yo‘q: /v1/chat/completions ga har bir murojaat shu yerda saqlanadi, yon paneldan tashqarida.
source-gone = Manba o‘chirilgan: bu iqtiboslar ko‘rsatgan hujjat endi mavjud emas.
source-paused = Bu iqtiboslar ko‘rsatgan hujjat hozircha mavjud emas.
admin-who-admin = administrator
admin-who-system = tizim
admin-who-deleted-user = o‘chirilgan foydalanuvchi
verify-now-verified = E-pochtangiz tasdiqlandi: endi suhbatlashishingiz mumkin.
verify-now-verified-going = E-pochtangiz tasdiqlandi. Suhbatga o‘tmoqdamiz…
verify-sent-waiting = Havolani ochganingizdan so‘ng (shu yerda yoki boshqa qurilmada) bu sahifa o‘zi davom etadi.
admin-model-progress-reading = 1-qadam (3 tadan): PDF sahifalari o‘qilmoqda
admin-model-progress-embedding = 2-qadam (3 tadan): parchalar vektorga aylantirilmoqda, { $total } tadan { $done } ta ({ $pages } sahifadan)
admin-model-progress-indexing = 3-qadam (3 tadan): qidiruv indeksi qurilmoqda ({ $pages } sahifadan { $total } ta parcha)
admin-model-left-seconds = taxminan { $seconds } soniya qoldi
admin-model-left-minutes = taxminan { $minutes } daqiqa qoldi
admin-model-left-estimating = qolgan vaqt hisoblanmoqda…
admin-model-phase-reading = Sahifalarni o‘qish
admin-model-phase-embedding = Parchalarni vektorlash
admin-model-phase-indexing = Indekslash
admin-model-counting = sanalmoqda…
admin-chat-set-aside = chetga olingan
admin-chat-set-aside-title = Chetga olinganlar
admin-chat-prompt-counts = { $shown } tasi ko‘rsatilgan tarmoqda, { $aside } tasi chetga olingan tarmoqlarda
admin-chat-aside-counts = so‘rovlar: { $prompts }, javoblar: { $answers } (har biri uni almashtirgan xabar ostida)
admin-chat-versions = Shu joyda chetga olingan: { $count }
pdf-sources = Manbalar
admin-stat-refused = Rad etilgan so‘rovlar
