import Foundation
import NIOCore
import PostgresNIO
import ProvisioningSQL
import Testing

@testable import ProvisioningPostgres

/// How a result cell (binary format) becomes a ``SQLValue``: the common types read straight from their bytes, the
/// others through postgres-nio's decoding; the two must agree.
struct CellDecodingTests {
    static func cell(_ type: PostgresDataType, _ write: ((inout ByteBuffer) -> Void)?) -> PostgresCell {
        var bytes: ByteBuffer?
        if let write {
            var buffer = ByteBuffer()
            write(&buffer)
            bytes = buffer
        }
        return PostgresCell(bytes: bytes, dataType: type, format: .binary, columnName: "c", columnIndex: 0)
    }

    @Test func integersOfEveryWidthAreInt64() {
        #expect(PostgresSQLConnection.value(Self.cell(.int8) { $0.writeInteger(Int64.min) }) == .integer(.min))
        #expect(PostgresSQLConnection.value(Self.cell(.int4) { $0.writeInteger(Int32(-7)) }) == .integer(-7))
        #expect(PostgresSQLConnection.value(Self.cell(.int2) { $0.writeInteger(Int16(300)) }) == .integer(300))
    }

    @Test func booleansAreZeroOrOne() {
        #expect(PostgresSQLConnection.value(Self.cell(.bool) { $0.writeInteger(UInt8(1)) }) == .integer(1))
        #expect(PostgresSQLConnection.value(Self.cell(.bool) { $0.writeInteger(UInt8(0)) }) == .integer(0))
    }

    @Test func textKeepsItsUTF8() {
        let name = "Zoë 山田 👩🏽‍💻"
        #expect(PostgresSQLConnection.value(Self.cell(.text) { $0.writeString(name) }) == .text(name))
        #expect(PostgresSQLConnection.value(Self.cell(.varchar) { $0.writeString("") }) == .text(""))
    }

    @Test func nullAndOtherTypesGoThroughPostgresNIO() {
        #expect(PostgresSQLConnection.value(Self.cell(.text, nil)) == .null)
        #expect(PostgresSQLConnection.value(Self.cell(.float8) { $0.writeInteger((2.5).bitPattern) }) == .real(2.5))
        // A width that is not the type's own is left to postgres-nio, which refuses it: null, not a wrong number.
        #expect(PostgresSQLConnection.value(Self.cell(.int8) { $0.writeInteger(Int32(5)) }) == .null)
    }
}
