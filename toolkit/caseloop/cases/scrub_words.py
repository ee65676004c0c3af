"""The words personal data hides behind, per language: titles, greetings, sign-offs, relatives, mail headers.

Scrubbing builds its name, address and e-mail patterns from these lists; a language is added by adding its words
here. Every list is lower case unless case matters (titles and street types are matched as written).
"""

from __future__ import annotations

# Titles before a name, as written ("Frau Dr. Müller", "Sig.ra Bianchi", "don Manuel").
TITLES = {
    "en": ["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir"],
    "de": ["Herr", "Herrn", "Frau", "Fräulein", "Dr", "Prof", "Dipl.-Ing"],
    "fr": ["Monsieur", "Madame", "Mademoiselle", "M", "Mme", "Mlle", "Maître"],
    "es": ["Sr", "Sra", "Srta", "Señor", "Señora", "Señorita", "Don", "don", "Doña", "doña", "D", "Dña", "Lic", "Ing"],
    "it": ["Sig", "Sig.ra", "Sig.na", "Signor", "signor", "Signora", "signora", "Dott", "Dott.ssa", "Avv", "Ing",
           "Prof.ssa", "Arch"],
    "nl": ["Mevrouw", "mevrouw", "Mevr", "mevr", "Meneer", "meneer", "De heer", "de heer", "Dhr", "dhr", "Drs", "Ir"],
}
# Words a greeting or sign-off is followed by that are not names ("Dear Seller", "Sehr geehrte Damen").
NOT_NAMES = frozenset("""seller sellers sir madam team amazon customer customers support service there all friend
    friends shop store everyone guys folks kundenservice verkäufer damen herren monsieur madame
    vendedor vendedora venditore service client clients équipe equipo staff the and i we you it my
    please can thank thanks""".split())
# Japanese words before 様/さん that are roles, not names.
NOT_JAPANESE_NAMES = frozenset({"お客", "客", "皆", "皆さ", "各位", "出品者", "担当者", "ご担当者", "販売者", "店長",
                                "配達員", "業者", "運送業者", "お店"})
# Name suffixes that end a Japanese role word ("出品者", "配達員"), never a personal name.
JAPANESE_ROLE_ENDINGS = ("者", "員", "客", "様", "社", "店")

GREETINGS = {
    "en": ["dear", "hi", "hello", "hey", "good morning", "good afternoon"],
    "de": ["hallo", "liebe", "lieber", "sehr geehrte", "sehr geehrter", "guten tag", "moin"],
    "fr": ["bonjour", "bonsoir", "cher", "chère", "salut"],
    "es": ["hola", "estimado", "estimada", "buenos días", "buenas tardes", "querido", "querida"],
    "it": ["gentile", "egregio", "egregia", "buongiorno", "buonasera", "salve", "ciao", "caro", "cara"],
    "nl": ["beste", "geachte", "hallo", "hoi", "goedemorgen", "goedemiddag", "goedenavond", "goedendag", "lieve"],
}
SELF_INTRODUCTIONS = {
    "en": ["my name is"],
    "de": ["mein name ist", "ich heiße", "ich bin der", "ich bin die"],
    "fr": ["je m'appelle", "je m’appelle", "mon nom est", "je suis"],
    "es": ["me llamo", "mi nombre es", "le escribe", "soy"],
    "it": ["mi chiamo", "il mio nome è", "sono"],
    "nl": ["mijn naam is", "ik heet"],
}
JAPANESE_SELF_INTRODUCTIONS = ["と申します", "と申す者です", "といいます"]
# Sign-offs after which the writer's name follows, on the same line or the next.
SIGN_OFFS = {
    "en": ["thanks", "thank you", "thanks again", "many thanks", "thx", "regards", "best regards", "kind regards",
           "warm regards", "best", "best wishes", "cheers", "sincerely", "yours sincerely", "yours faithfully",
           "yours truly", "all the best", "respectfully"],
    "de": ["mit freundlichen grüßen", "mit freundlichem gruß", "freundliche grüße", "viele grüße", "liebe grüße",
           "beste grüße", "herzliche grüße", "schöne grüße", "gruß", "grüße", "mfg", "lg", "vg", "danke",
           "danke schön", "vielen dank", "danke und gruß", "hochachtungsvoll"],
    "fr": ["cordialement", "bien cordialement", "bien à vous", "salutations", "sincères salutations", "merci",
           "merci d'avance", "merci d’avance", "merci beaucoup", "bonne journée", "amicalement"],
    "es": ["saludos", "un saludo", "saludos cordiales", "un cordial saludo", "atentamente", "gracias",
           "muchas gracias", "gracias de antemano", "cordialmente"],
    "it": ["cordiali saluti", "distinti saluti", "saluti", "saluti cordiali", "un saluto", "grazie", "grazie mille",
           "cordialmente", "buona giornata"],
    "nl": ["met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet", "vriendelijke groeten",
           "met hartelijke groet", "hartelijke groet", "groet", "groeten", "groetjes", "mvg", "bedankt",
           "alvast bedankt", "dank u wel", "hoogachtend"],
}
JAPANESE_SIGN_OFFS = ["よろしくお願いします", "よろしくお願いいたします", "宜しくお願いします",
                      "宜しくお願いいたします", "敬具", "以上"]
# Relatives, neighbours and colleagues whose names follow ("my wife Sarah", "mia moglie Giulia").
RELATIVES = {
    "en": (["my", "our", "your"],
           ["wife", "husband", "partner", "son", "daughter", "mother", "mum", "mom", "father", "dad", "brother",
            "sister", "neighbour", "neighbor", "friend", "colleague", "boss", "grandmother", "grandfather", "grandma",
            "grandpa", "aunt", "uncle", "cousin", "girlfriend", "boyfriend", "fiancé", "fiancée", "flatmate",
            "roommate", "landlord", "landlady", "mother-in-law", "father-in-law", "son-in-law", "daughter-in-law",
            "brother-in-law", "sister-in-law", "nephew", "niece", "grandson", "granddaughter", "stepson",
            "stepdaughter", "carer"]),
    "de": (["mein", "meine", "meinen", "meinem", "meiner", "unser", "unsere", "unseren", "unserem", "unserer", "ihr",
            "ihre", "ihren", "ihrem"],
           ["frau", "mann", "ehefrau", "ehemann", "partner", "partnerin", "sohn", "tochter", "mutter", "vater",
            "bruder", "schwester", "nachbar", "nachbarn", "nachbarin", "freund", "freundin", "kollege", "kollegin",
            "oma", "opa", "schwiegermutter", "schwiegervater", "schwiegersohn", "schwiegertochter", "enkel", "enkelin",
            "chef", "chefin", "lebensgefährte", "lebensgefährtin", "schwager", "schwägerin", "neffe", "nichte",
            "cousin", "cousine", "verlobter", "verlobte", "mitbewohner", "mitbewohnerin", "vermieter", "vermieterin"]),
    "fr": (["mon", "ma", "notre", "votre"],
           ["mari", "femme", "épouse", "époux", "compagnon", "compagne", "fils", "fille", "mère", "père", "frère",
            "sœur", "soeur", "voisin", "voisine", "ami", "amie", "collègue", "belle-mère", "beau-père", "grand-mère",
            "grand-père", "conjoint", "conjointe", "gendre", "belle-fille", "beau-frère", "belle-sœur", "neveu",
            "nièce", "cousin", "cousine", "petit-fils", "petite-fille", "fiancé", "fiancée", "colocataire", "copain",
            "copine", "gardien", "gardienne"]),
    "es": (["mi", "nuestro", "nuestra", "su"],
           ["esposa", "esposo", "marido", "mujer", "pareja", "hijo", "hija", "madre", "padre", "hermano", "hermana",
            "vecino", "vecina", "amigo", "amiga", "compañero", "compañera", "suegra", "suegro", "abuela", "abuelo",
            "novio", "novia", "cuñado", "cuñada", "sobrino", "sobrina", "primo", "prima", "yerno", "nuera", "nieto",
            "nieta", "casero", "casera", "portero", "portera"]),
    "it": (["mia", "mio", "il mio", "la mia", "nostro", "nostra", "al mio", "alla mia"],
           ["moglie", "marito", "compagno", "compagna", "figlio", "figlia", "madre", "padre", "mamma", "papà",
            "fratello", "sorella", "vicino", "vicina", "amico", "amica", "collega", "suocera", "suocero", "nonna",
            "nonno", "fidanzato", "fidanzata", "cognato", "cognata", "nipote", "cugino", "cugina", "genero", "nuora",
            "coinquilino", "coinquilina", "portinaio", "portinaia"]),
    "nl": (["mijn", "onze", "ons", "uw"],
           ["vrouw", "man", "echtgenote", "echtgenoot", "partner", "zoon", "dochter", "moeder", "vader", "broer", "zus",
            "buurman", "buurvrouw", "vriend", "vriendin", "collega", "oma", "opa", "schoonmoeder", "schoonvader",
            "kleinzoon", "kleindochter", "neef", "nicht", "tante", "oom", "verloofde", "huisgenoot", "huisbaas"]),
}
# Articles between a relative and a title ("mi padre, el Sr. José", "il mio vicino, il signor Esposito").
ARTICLES = ["the", "el", "la", "il", "lo", "l'", "le"]
JAPANESE_RELATIVES = ["夫", "妻", "主人", "家内", "息子", "娘", "母", "父", "兄", "弟", "姉", "妹", "祖母", "祖父",
                      "隣", "隣人", "友人", "同僚", "義母", "義父", "義兄", "義姉", "甥", "姪", "孫", "叔母", "叔父",
                      "伯母", "伯父"]
# Mail and form fields whose value is a person's name ("Von: Jens Müller <...>", "お名前：木村 拓也").
NAME_FIELDS = ["name", "buyer", "buyer name", "customer name", "recipient", "ship to", "from", "sender", "von",
               "absender", "kunde", "käufer", "empfänger", "de", "expéditeur", "nom", "destinataire", "remitente",
               "nombre", "destinatario", "da", "mittente", "nome", "cognome", "お名前", "氏名", "名前", "差出人",
               "送信者", "宛名", "姓名", "买家", "收件人", "联系人", "naam", "afzender", "ontvanger"]
# The header lines of a pasted e-mail, by language: what a buyer message starts with but is not the buyer's words.
MAIL_HEADERS = {
    "en": ["from", "to", "cc", "bcc", "subject", "sent", "date", "reply-to"],
    "de": ["von", "an", "kopie", "betreff", "gesendet", "datum", "antwort an"],
    "fr": ["de", "à", "a", "cc", "objet", "envoyé", "date", "répondre à"],
    "es": ["de", "para", "cc", "asunto", "enviado", "fecha", "responder a"],
    "it": ["da", "a", "cc", "oggetto", "inviato", "data", "rispondi a"],
    "nl": ["van", "aan", "cc", "onderwerp", "verzonden", "datum", "antwoord aan"],
    "ja": ["差出人", "送信者", "宛先", "件名", "送信日時", "日付", "cc", "返信先"],
    "zh": ["发件人", "收件人", "主题", "发送时间", "日期", "抄送"],
}
# How an e-mail address is written out to get past filters ("john dot smith at gmail dot com").
SPELLED_AT = ["at", "arroba", "chiocciola", "arobase", "ät", "あっと", "アット"]
SPELLED_DOT = ["dot", "punkt", "point", "punto", "ponto", "ドット"]
# Mail providers, so that "priya.patel at hotmail.co.uk" is an address but "arrived at amazon.de" is not.
MAIL_PROVIDERS = ["gmail", "googlemail", "yahoo", "hotmail", "outlook", "live", "msn", "icloud", "me", "aol",
                  "protonmail", "proton", "gmx", "web", "t-online", "freenet", "orange", "free", "laposte", "sfr",
                  "wanadoo", "libero", "tiscali", "virgilio", "alice", "telefonica", "movistar", "docomo", "ezweb",
                  "softbank", "au", "qq", "163", "126"]
# Street types, matched as written: the type before the name (Romance languages) or after it (English, German).
STREETS_AFTER = ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln", "Drive", "Dr",
                 "Court", "Ct", "Way", "Place", "Pl", "Terrace", "Close", "Crescent", "Gardens", "Square", "Sq",
                 "Parkway", "Pkwy", "Grove", "Row", "Mews", "Walk", "Highway", "Hwy"]
GERMAN_STREETS = ["straße", "strasse", "str.", "weg", "gasse", "platz", "allee", "ring", "damm", "ufer", "chaussee",
                  "steig", "pfad"]
GERMAN_STREET_PREPOSITIONS = ["Am", "An der", "An den", "Im", "In der", "In den", "Auf der", "Auf dem", "Zum", "Zur",
                              "Unter den", "Hinter der"]
STREETS_BEFORE = {
    "fr": ["rue", "avenue", "boulevard", "bd", "allée", "chemin", "place", "impasse", "quai", "route", "cours"],
    "es": ["Calle", "C/", "Avenida", "Avda.", "Av.", "Paseo", "Plaza", "Pza.", "Carrer", "Camino", "Ronda",
           "Travesía", "Glorieta", "Carretera"],
    "it": ["Via", "Viale", "V.le", "Corso", "Piazza", "P.zza", "Piazzale", "Largo", "Vicolo", "Strada", "Contrada",
           "Lungomare", "Lungotevere"],
}
TRACKING_WORDS = ["tracking", "track", "sendungsnummer", "sendungs-nr", "sendung", "numéro de suivi", "n° de suivi",
                  "suivi", "número de seguimiento", "seguimiento", "codice spedizione", "numero di tracciamento",
                  "tracciamento", "追跡番号", "お問い合わせ番号", "伝票番号", "运单号", "快递单号", "物流单号",
                  "track & trace", "track-and-trace", "trackingcode", "zendingnummer"]
